// Row menus (<details class="menu">, "Actions"): one open at a time; a click elsewhere or Escape
// closes it (Escape returns focus to its summary), and so does an item that opens a dialog. Without
// JavaScript the native <details> still opens and closes.
const menus = () => document.querySelectorAll("details.menu[open]");

document.addEventListener("click", (event) => {
  const inside = event.target.closest("details.menu");
  for (const menu of menus()) {
    if (menu !== inside || event.target.closest("a[data-opens]")) menu.open = false;
  }
});

document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  for (const menu of menus()) {
    menu.open = false;
    menu.querySelector("summary").focus();
  }
});
