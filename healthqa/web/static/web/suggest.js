/* healthqa: question titles suggested while typing, in an accessible listbox.
 *
 * Progressive enhancement: any field with data-suggest="<url>" gets suggestions; without
 * this script the forms are plain GET forms that work the same. The ARIA combobox pattern
 * (https://www.w3.org/WAI/ARIA/apg/patterns/combobox/): arrow keys move through the list,
 * Enter opens the chosen question, Escape closes the list, and a status region says how many
 * suggestions there are. Requests are debounced and a stale one is aborted. Nothing typed is
 * kept: it goes to this site's own /api/v1/suggest and nowhere else.
 */
(function () {
  "use strict";

  var DELAY_MS = 150; // after the last keystroke
  var MIN_CHARS = 2;
  var MAX_SENT = 200; // the end of a long question says what is being typed now
  var fields = 0;

  function setup(field) {
    var endpoint = field.getAttribute("data-suggest");
    if (!endpoint || !window.fetch || !window.AbortController) {
      return;
    }
    fields += 1;
    var list = document.createElement("ul");
    list.id = "suggestions-" + fields;
    list.className = "suggest-list";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", "Suggested questions");
    list.hidden = true;
    var status = document.createElement("div");
    status.className = "visually-hidden";
    status.setAttribute("role", "status");
    status.setAttribute("aria-live", "polite"); // implied by the role; said for older readers
    field.insertAdjacentElement("afterend", list);
    list.insertAdjacentElement("afterend", status);

    // A text input becomes a combobox; a textarea may not take that role, so it stays a
    // textbox that controls the list (aria-autocomplete and aria-activedescendant apply).
    var isCombobox = field.tagName === "INPUT";
    if (isCombobox) {
      field.setAttribute("role", "combobox");
      field.setAttribute("aria-expanded", "false");
    }
    field.setAttribute("aria-autocomplete", "list");
    field.setAttribute("aria-controls", list.id);

    var timer = 0;
    var pending = null;
    var items = [];
    var active = -1;
    var asked = "";

    function isOpen() {
      return !list.hidden;
    }

    function setActive(index) {
      var options = list.children;
      for (var i = 0; i < options.length; i += 1) {
        options[i].setAttribute("aria-selected", i === index ? "true" : "false");
      }
      active = index;
      if (index >= 0) {
        field.setAttribute("aria-activedescendant", options[index].id);
        options[index].scrollIntoView({ block: "nearest" });
      } else {
        field.removeAttribute("aria-activedescendant");
      }
    }

    function close() {
      list.hidden = true;
      setActive(-1);
      if (isCombobox) {
        field.setAttribute("aria-expanded", "false");
      }
    }

    function show(found) {
      items = found;
      list.textContent = "";
      found.forEach(function (item, i) {
        var option = document.createElement("li");
        option.id = list.id + "-" + i;
        option.setAttribute("role", "option");
        option.setAttribute("aria-selected", "false");
        option.setAttribute("data-index", String(i));
        option.textContent = item.title; // text, never markup
        list.appendChild(option);
      });
      active = -1;
      field.removeAttribute("aria-activedescendant");
      if (!found.length) {
        close();
        status.textContent = "";
        return;
      }
      list.hidden = false;
      if (isCombobox) {
        field.setAttribute("aria-expanded", "true");
      }
      status.textContent = found.length + (found.length === 1 ? " suggested question" :
        " suggested questions") + ". Use the up and down arrow keys to choose.";
    }

    function choose(index) {
      if (items[index]) {
        window.location.assign(items[index].url);
      }
    }

    function request() {
      var text = field.value;
      if (text.trim().length < MIN_CHARS) {
        asked = "";
        if (pending) {
          pending.abort();
        }
        show([]);
        return;
      }
      if (text.length > MAX_SENT) {
        text = text.slice(-MAX_SENT);
        text = text.slice(text.indexOf(" ") + 1); // not from the middle of a word
      }
      if (text === asked) {
        return;
      }
      asked = text;
      if (pending) {
        pending.abort(); // its answer would be for text no longer in the field
      }
      var controller = new AbortController();
      pending = controller;
      fetch(endpoint + "?q=" + encodeURIComponent(text), {
        signal: controller.signal,
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      })
        .then(function (response) {
          return response.ok ? response.json() : { items: [] };
        })
        .then(function (data) {
          if (pending === controller && document.activeElement === field) {
            show(data.items || []);
          }
        })
        .catch(function () {
          // Aborted, or offline: suggestions are a convenience, the form still works.
        });
    }

    field.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(request, DELAY_MS);
    });

    field.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        if (!items.length) {
          return;
        }
        if (!isOpen()) {
          if (event.key === "ArrowUp") {
            return;
          }
          list.hidden = false;
          if (isCombobox) {
            field.setAttribute("aria-expanded", "true");
          }
        }
        event.preventDefault();
        var step = event.key === "ArrowDown" ? 1 : -1;
        var next = active + step;
        if (next >= items.length) {
          next = 0;
        } else if (next < -1) {
          next = items.length - 1;
        }
        setActive(next); // -1: back in the field, no option chosen
      } else if (event.key === "Enter") {
        if (isOpen() && active >= 0) {
          event.preventDefault();
          choose(active);
        }
      } else if (event.key === "Escape") {
        if (isOpen()) {
          event.preventDefault();
          close();
        }
      } else if (event.key === "Tab") {
        close();
      }
    });

    field.addEventListener("blur", function () {
      close();
    });

    // Pressing on an option must not take the focus from the field (that would close it).
    list.addEventListener("mousedown", function (event) {
      event.preventDefault();
    });
    list.addEventListener("click", function (event) {
      var option = event.target.closest("[role=option]");
      if (option) {
        choose(Number(option.getAttribute("data-index")));
      }
    });
  }

  var found = document.querySelectorAll("[data-suggest]");
  for (var i = 0; i < found.length; i += 1) {
    setup(found[i]);
  }
})();
