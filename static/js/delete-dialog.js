// Confirmation dialogs: a[data-opens] (Delete, Disable) opens a native <dialog> and focuses its first
// field or button; closing it gives the focus back. For Delete, the dialog's Delete button is enabled,
// and a check mark shown, only while the typed name matches the credential's name exactly.
// Without JavaScript the link leads to a page with the same form, and the server re-checks.
for (const form of document.querySelectorAll("form.delete-form")) {
  const input = form.querySelector("input[data-expected]");
  const mark = form.querySelector("[data-match]");
  const submit = form.querySelector("button[data-confirm]");
  const update = () => {
    const matches = input.value.trim() === input.dataset.expected;
    mark.hidden = !matches;
    submit.disabled = !matches;
  };
  input.addEventListener("input", update);
  update();
}

document.addEventListener("click", (event) => {
  const opener = event.target.closest("a[data-opens]");
  if (opener) {
    const dialog = document.getElementById(opener.dataset.opens);
    if (!dialog || typeof dialog.showModal !== "function") return;
    event.preventDefault();
    dialog.showModal();
    dialog.querySelector("input[data-expected], button")?.focus();
    // Back to where it was opened from: the link, or the summary of the menu that hid it since.
    dialog.addEventListener(
      "close",
      () => (opener.checkVisibility() ? opener : opener.closest("details")?.querySelector("summary"))?.focus(),
      { once: true },
    );
    return;
  }
  const closer = event.target.closest("dialog [data-close]");
  if (closer) {
    event.preventDefault();
    closer.closest("dialog").close();
  }
});
