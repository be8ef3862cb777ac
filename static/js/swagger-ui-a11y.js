// Swagger UI's own markup, fitted into /api/docs/ (axe-core: heading-order, region, button-name). Its API
// title is an <h1> followed by <h3> tags: under the page's <h1> it becomes level 2. Its title block sits
// outside its <main>: it becomes a named region. Its Authorize modal becomes a dialog, whose icon-only close
// button gets a name. Swagger UI re-renders, so this runs again whenever its tree changes.
const root = document.getElementById("swagger-ui");
const fit = () => {
  const title = root.querySelector(".info .title");
  if (title && title.getAttribute("aria-level") !== "2") title.setAttribute("aria-level", "2");
  const about = root.querySelector(".information-container");
  if (about && !about.hasAttribute("role")) {
    about.setAttribute("role", "region");
    about.setAttribute("aria-label", "About this API");
  }
  const modal = root.querySelector(".modal-ux");
  if (modal && modal.getAttribute("role") !== "dialog") {
    modal.setAttribute("role", "dialog");
    modal.setAttribute("aria-modal", "true");
    modal.setAttribute("aria-label", "Available authorizations");
  }
  const close = root.querySelector(".modal-ux .close-modal");
  if (close && !close.hasAttribute("aria-label")) close.setAttribute("aria-label", "Close");
};
new MutationObserver(fit).observe(root, { childList: true, subtree: true });
