// CA certificate pages: copy a command, count down a challenge. The pages work without this.
(function () {
  "use strict";

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) return;
    var text = source.textContent.trim();
    var done = function () {
      var label = button.textContent;
      button.textContent = "已复制";
      setTimeout(function () { button.textContent = label; }, 1500);
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(done);
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { if (document.execCommand("copy")) done(); } catch (e) { /* the text stays selected */ }
  });

  document.querySelectorAll("[data-countdown]").forEach(function (node) {
    var left = parseInt(node.getAttribute("data-countdown"), 10);
    var expired = node.getAttribute("data-expired-text");
    var tick = function () {
      if (left <= 0) {
        node.textContent = expired;
        node.classList.add("pki-expired");
        return;
      }
      var minutes = Math.floor(left / 60);
      var seconds = left % 60;
      node.textContent = "剩余 " + minutes + " 分 " + (seconds < 10 ? "0" : "") + seconds + " 秒";
      left -= 1;
      setTimeout(tick, 1000);
    };
    tick();
  });
})();
