// The generate form: choosing "Never" as the expiry shows the warning next to the field (the server
// renders it too when Never is already selected), and makes it part of the field's description.
const expiry = document.querySelector('select[name="expires_in_days"]');
const warning = document.getElementById("expiry-never");
if (expiry && warning) {
  const update = () => {
    const never = expiry.value === "";
    warning.hidden = !never;
    expiry.setAttribute("aria-describedby", never ? "expiry-help expiry-never" : "expiry-help");
  };
  expiry.addEventListener("change", update);
  update();
}
