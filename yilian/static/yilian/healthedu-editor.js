// The health-education editor's small toolbar: wraps the selected text of the textarea
// named by data-editor-toolbar in a tag, a list or a link. The server sanitises whatever
// is typed; this only saves typing.
(function () {
  "use strict";

  function replaceSelection(area, before, after, placeholder) {
    const start = area.selectionStart;
    const end = area.selectionEnd;
    const chosen = area.value.slice(start, end) || placeholder;
    area.setRangeText(before + chosen + after, start, end, "end");
    area.focus();
  }

  function escapeAttr(value) {
    return value.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  }

  document.addEventListener("click", function (event) {
    const button = event.target instanceof Element ? event.target.closest("button") : null;
    const bar = button ? button.closest("[data-editor-toolbar]") : null;
    if (!bar) return;
    const area = document.getElementById(bar.dataset.editorToolbar);
    if (!(area instanceof HTMLTextAreaElement)) return;
    event.preventDefault();
    if (button.dataset.wrap) {
      const tag = button.dataset.wrap;
      replaceSelection(area, "<" + tag + ">", "</" + tag + ">", "…");
    } else if (button.dataset.list) {
      const tag = button.dataset.list;
      const lines = (area.value.slice(area.selectionStart, area.selectionEnd) || "…").split("\n");
      const items = lines.map(function (line) { return "  <li>" + line + "</li>"; }).join("\n");
      area.setRangeText("<" + tag + ">\n" + items + "\n</" + tag + ">", area.selectionStart, area.selectionEnd, "end");
      area.focus();
    } else if (button.hasAttribute("data-link")) {
      const url = window.prompt(button.dataset.linkPrompt || "https://", "https://");
      if (url && /^(https?:|mailto:)/i.test(url)) {
        replaceSelection(area, '<a href="' + escapeAttr(url) + '">', "</a>", url);
      }
    }
  });
})();
