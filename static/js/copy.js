// Copy buttons: <button data-copy="element-id"> copies that element's text to the clipboard and
// announces it in the page's [data-copy-status] live region.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  const status = document.querySelector("[data-copy-status]");
  const label = (button.dataset.label ??= button.textContent);
  if (status) status.textContent = "";
  let said;
  try {
    await navigator.clipboard.writeText(source.textContent.trim());
    button.textContent = "Copied";
    said = `${button.getAttribute("aria-label") || "Value"}: copied to the clipboard.`;
  } catch {
    const range = document.createRange();
    range.selectNodeContents(source);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    button.textContent = "Press Ctrl+C";
    said = "Selected. Press Ctrl+C to copy.";
  }
  if (status) status.textContent = said;
  clearTimeout(button.resetTimer);
  button.resetTimer = setTimeout(() => { button.textContent = label; }, 2000);
});
