// Collective lesson preparation editor: one contenteditable per section, copied into the section's
// textarea on submit. The server sanitises whatever arrives; without JavaScript the textareas are used.
(function () {
  "use strict";
  function wire(section) {
    var editor = section.querySelector(".prep-editor");
    var source = section.querySelector("textarea[name=section_html]");
    if (!editor || !source) return;
    source.hidden = true;
    editor.hidden = false;
    section.querySelectorAll("[data-cmd]").forEach(function (button) {
      button.addEventListener("click", function (event) {
        event.preventDefault();
        editor.focus();
        var cmd = button.getAttribute("data-cmd");
        if (cmd === "h3") {
          document.execCommand("formatBlock", false, "h3");
        } else {
          document.execCommand(cmd, false, null);
        }
      });
    });
    var remove = section.querySelector(".prep-remove");
    if (remove) {
      remove.addEventListener("click", function (event) {
        event.preventDefault();
        if (document.querySelectorAll(".prep-section").length > 1) section.remove();
      });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("prep-form");
    if (!form) return;
    var list = document.getElementById("prep-sections");
    var template = document.getElementById("prep-section-template");
    list.querySelectorAll(".prep-section").forEach(wire);
    var add = document.getElementById("prep-add-section");
    if (add && template) {
      add.addEventListener("click", function (event) {
        event.preventDefault();
        var section = template.content.firstElementChild.cloneNode(true);
        list.appendChild(section);
        wire(section);
        section.querySelector("input[name=section_title]").focus();
      });
    }
    form.addEventListener("submit", function () {
      list.querySelectorAll(".prep-section").forEach(function (section) {
        var editor = section.querySelector(".prep-editor");
        var source = section.querySelector("textarea[name=section_html]");
        if (editor && source && !editor.hidden) source.value = editor.innerHTML;
      });
    });
  });
})();
