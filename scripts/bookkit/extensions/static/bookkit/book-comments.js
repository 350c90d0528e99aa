/* Lazy utterances comments that follow the site's light/dark switch.
 * Written for the Open Models book (bookkit.sphinx_comments_lazy); MIT.
 *
 * The container <div class="book-comments" data-repo ...> is in every
 * chapter. Nothing is requested from utteranc.es until the reader has
 * scrolled and the container is in view, or presses "Show comments".
 */
(function () {
  "use strict";
  var ORIGIN = "https://utteranc.es";

  function siteTheme() {
    // pydata-sphinx-theme resolves its light/dark/auto switch into data-theme.
    var theme = document.documentElement.dataset.theme;
    if (theme !== "dark" && theme !== "light") {
      theme = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
    }
    return theme;
  }

  function widgetTheme(box) {
    return siteTheme() === "dark" ? box.dataset.themeDark : box.dataset.themeLight;
  }

  function syncTheme(box) {
    var theme = widgetTheme(box);
    if (box.dataset.theme === theme) return;
    box.dataset.theme = theme;
    var frame = box.querySelector("iframe");
    if (frame && frame.contentWindow) {
      frame.contentWindow.postMessage({ type: "set-theme", theme: theme }, ORIGIN);
    }
  }

  function load(box) {
    if (box.dataset.loaded) return;
    box.dataset.loaded = "true";
    var button = box.querySelector(".book-comments__load");
    if (button) button.remove();
    var script = document.createElement("script");
    script.src = ORIGIN + "/client.js";
    script.async = true;
    script.setAttribute("repo", box.dataset.repo);
    script.setAttribute("issue-term", box.dataset.issueTerm);
    script.setAttribute("label", box.dataset.label);
    script.setAttribute("theme", widgetTheme(box));
    script.setAttribute("crossorigin", box.dataset.crossorigin || "anonymous");
    box.appendChild(script);
  }

  function init() {
    var box = document.querySelector(".book-comments");
    if (!box) return;
    box.dataset.theme = widgetTheme(box);

    new MutationObserver(function () { syncTheme(box); })
      .observe(document.documentElement, { attributes: true, attributeFilter: ["data-theme", "data-mode"] });
    if (window.matchMedia) {
      var mq = window.matchMedia("(prefers-color-scheme: dark)");
      if (mq.addEventListener) mq.addEventListener("change", function () { syncTheme(box); });
    }

    var button = box.querySelector(".book-comments__load");
    if (button) button.addEventListener("click", function () { load(box); });

    if (!("IntersectionObserver" in window)) return; // the button still works
    var visible = false;
    var scrolled = false;
    function maybeLoad() {
      if (visible && scrolled) {
        observer.disconnect();
        window.removeEventListener("scroll", onScroll);
        load(box);
      }
    }
    function onScroll() { scrolled = true; maybeLoad(); }
    var observer = new IntersectionObserver(function (entries) {
      visible = entries.some(function (e) { return e.isIntersecting; });
      maybeLoad();
    }, { rootMargin: "0px 0px 200px 0px" });
    observer.observe(box);
    window.addEventListener("scroll", onScroll, { passive: true });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
