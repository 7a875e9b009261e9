// The announcement pack: each copy button copies its announcement's text. The buttons
// are hidden until this script runs, so a page without script shows no dead buttons.
"use strict";

function copyBySelection(element) {
  // For browsers that refuse the clipboard API (no secure context, no permission).
  const range = document.createRange();
  range.selectNodeContents(element);
  const selection = window.getSelection();
  selection.removeAllRanges();
  selection.addRange(range);
  const done = document.execCommand("copy");
  selection.removeAllRanges();
  return done;
}

for (const button of document.querySelectorAll("button.copy")) {
  const label = button.textContent;
  button.hidden = false;
  button.addEventListener("click", async () => {
    const element = document.getElementById(button.dataset.target);
    let copied = false;
    try {
      await navigator.clipboard.writeText(element.textContent);
      copied = true;
    } catch {
      copied = copyBySelection(element);
    }
    button.textContent = copied ? button.dataset.copied : button.dataset.failed;
    button.classList.toggle("copied", copied);
    setTimeout(() => {
      button.textContent = label;
      button.classList.remove("copied");
    }, 2000);
  });
}
