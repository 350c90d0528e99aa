/* The theme's "print to PDF" and "fullscreen" buttons, without inline handlers.
 * Written for the Open Models book (bookkit.extensions.security); MIT.
 *
 * The page's Content-Security-Policy blocks inline event handlers, so the
 * build rewrites onclick="window.print()" / onclick="toggleFullScreen()" to
 * data-bookkit-action="print" / "fullscreen", and this script binds them.
 */
(function () {
  "use strict";
  function fullscreen() {
    if (typeof window.toggleFullScreen === "function") return window.toggleFullScreen();
    if (document.fullscreenElement) return document.exitFullscreen();
    return document.documentElement.requestFullscreen && document.documentElement.requestFullscreen();
  }
  var actions = { print: function () { window.print(); }, fullscreen: fullscreen };
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-bookkit-action]");
    if (!button) return;
    var action = actions[button.getAttribute("data-bookkit-action")];
    if (action) action();
  });
})();
