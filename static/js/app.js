// The dashboard's own behaviour, loaded as a file so the Content Security Policy can forbid
// inline scripts. Everything works through event delegation on `document`, so rows that htmx
// swaps in later behave like the first ones.
(function () {
  "use strict";

  // <input type="checkbox" data-check-boxes="selector"> ticks or clears, in its own form, every
  // box the selector matches. With data-check-only-on, it only ever ticks them.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.dataset.checkBoxes) return;
    var form = box.closest("form");
    if (!form) return;
    if (box.hasAttribute("data-check-only-on") && !box.checked) return;
    form.querySelectorAll(box.dataset.checkBoxes).forEach(function (other) {
      other.checked = box.checked;
    });
  });

  // "Refill selected" / "Cancel selected": open the bulk preview with the ticked orders, or with
  // the list's filter when every matching order is selected (the filter travels, never the ids).
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element ? event.target.closest(".bulk-go") : null;
    if (!button) return;
    var box = button.closest(".bulk-select");
    var form = button.closest("form");
    if (!box || !form) return;
    var all = form.querySelector("#sel-matching");
    var everything = Boolean(all && all.checked);
    var query = new URLSearchParams(everything ? box.dataset.filter || "" : "");
    query.set("kind", button.value);
    if (everything) {
      query.set("all", "1");
    } else {
      form.querySelectorAll("input[name=ids]:checked").forEach(function (ticked) {
        query.append("ids", ticked.value);
      });
    }
    window.location.assign(box.dataset.url + "?" + query.toString());
  });

  // <form data-submit-once>: a second click while the first submit is on its way does nothing,
  // and the button says so. The button is disabled after the browser has read the form, so its
  // own name and value are still sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) return;
    if (form.dataset.submitting) {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "1";
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // <form data-submit-on-change="selector">: changing a field the selector matches submits the
  // form (htmx then fetches the results in place; without htmx it is a plain GET).
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (!(field instanceof Element)) return;
    var form = field.closest("form[data-submit-on-change]");
    if (form && field.matches(form.dataset.submitOnChange)) form.requestSubmit();
  });
})();
