// The CMI form posts itself to CMI's payment page once the page is loaded; the button stays for a
// browser without script. A file, not an inline script: the pages' CSP allows no inline script.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("cmi-form");
  if (form && form.dataset.autosubmit === "yes") {
    form.submit();
  }
});
