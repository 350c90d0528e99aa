/* Send old links to anchors that moved to another page on (see redirects.py). */
(function () {
  var map = JSON.parse(document.currentScript.dataset.redirects || "{}");
  function follow() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (id && !document.getElementById(id) && Object.prototype.hasOwnProperty.call(map, id)) {
      location.replace(map[id]);
    }
  }
  follow();
  window.addEventListener("hashchange", follow);
})();
