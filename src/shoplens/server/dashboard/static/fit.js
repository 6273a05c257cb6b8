// Content that is wider than its box, handled once for every page (whatever module drew it):
// - scroll containers (.table-wrap, .scroll-x): a fade at the side where more content is (classes more-left /
//   more-right) and a hint "← 滑动查看更多 →" (p.scroll-hint) above the box while it overflows;
// - KPI values (.kpi-value, one line): a 7-digit amount with its currency shrinks to its card instead of
//   pushing the card wider (down to MIN_PX).
import { t } from "./i18n.js";
import { el } from "./ui.js";

const SCROLLERS = ".table-wrap, .scroll-x";
const MIN_PX = 12;
const watched = new WeakSet();
let resized = null;

function cue(box) {
  const more = box.scrollWidth > box.clientWidth + 1;
  box.classList.toggle("overflowing", more);
  box.classList.toggle("more-left", more && box.scrollLeft > 1);
  box.classList.toggle("more-right", more && box.scrollLeft + box.clientWidth < box.scrollWidth - 1);
  let hint = box.previousElementSibling;
  if (!hint || !hint.classList.contains("scroll-hint")) {
    if (!more) return;
    hint = el("p", { class: "scroll-hint", "aria-hidden": "true", text: t("shell.scrollHint") });
    box.before(hint);
  }
  hint.hidden = !more;
}

function fitValue(node) {
  node.style.fontSize = "";
  const room = node.clientWidth;
  if (!room || node.scrollWidth <= room + 1) return;
  const size = parseFloat(getComputedStyle(node).fontSize);
  node.style.fontSize = `${Math.max(MIN_PX, Math.floor(size * (room / node.scrollWidth) * 10) / 10)}px`;
}

function scan(root) {
  for (const box of root.querySelectorAll(SCROLLERS)) {
    if (!watched.has(box)) {
      watched.add(box);
      box.addEventListener("scroll", () => cue(box), { passive: true });
      resized.observe(box);
    }
    cue(box);
  }
  root.querySelectorAll(".kpi-value").forEach(fitValue);
}

// Watches `root` (the app) for new content; a resize of a box re-checks it.
export function watchFit(root) {
  resized ??= new ResizeObserver((entries) => entries.forEach((e) => cue(e.target)));
  let queued = false;
  new MutationObserver(() => {
    if (queued) return;
    queued = true;
    requestAnimationFrame(() => { queued = false; if (root.isConnected) scan(root); });
  }).observe(root, { childList: true, subtree: true, characterData: true });
  scan(root);
}
