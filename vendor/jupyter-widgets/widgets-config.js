// Part of cnnbook (not vendored). Loaded after require.js and before
// embed-amd.js on pages with widgets, so that the book works offline:
// - the AMD module "anywidget" is the local copy next to this file, so the
//   widget html-manager never falls back to its CDN;
// - the html-manager's own assets (Font Awesome fonts) come from this folder:
//   its webpack public path is taken from the AMD module's URL, which the
//   paths entry for "@jupyter-widgets/html-manager/dist" points here.
(function () {
  var here = document.currentScript.src.replace(/[^/]*$/, "");
  window.__jupyter_widgets_assets_path__ = here;
  window.requirejs.config({
    paths: {
      anywidget: here + "anywidget",
      "@jupyter-widgets/html-manager/dist": here.replace(/\/$/, ""),
    },
  });
})();
