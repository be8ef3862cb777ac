// The secret page answers a POST and is never cached. Point the address bar at the list, so a
// reload shows the list (not the secret and not a resubmission), and wipe the secret (and the shell
// snippet that repeats it) if the browser ever restores this page from its back/forward cache.
const view = document.querySelector("[data-secret-view]");
if (view) {
  history.replaceState(null, "", view.dataset.leaveTo);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) location.replace(view.dataset.leaveTo);
  });
  window.addEventListener("pagehide", () => {
    for (const element of view.querySelectorAll("#client-secret, [data-secret]")) element.textContent = "";
  });
}
