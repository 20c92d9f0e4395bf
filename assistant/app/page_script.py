"""The page's own script: citation chips, the selected answer's outline, the feedback box
beside the thumbs.

Gradio re-renders the chat as answers stream in, so one observer re-applies everything after
each change; every step is idempotent and touches the page only when something differs.
Text is set with textContent only: quotes and titles never become markup.
"""

PAGE_JS = r"""
() => {
  const $ = (sel, root = document) => root.querySelector(sel);
  const $$ = (sel, root = document) => Array.from(root.querySelectorAll(sel));
  const bubbles = () => $$('#chat [data-testid="bot"]');
  let pending = null;  // {k, n}: a chip was clicked; its card is shown once answer k is
  let voted = null;    // the thumbs button last pressed, where the feedback box goes

  function chipify(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (/\[\d+\]/.test(node.nodeValue) && !node.parentElement.closest('code, pre, .chip'))
        found.push(node);
    }
    for (const node of found) {
      const frag = document.createDocumentFragment();
      for (const part of node.nodeValue.split(/(\s*\[\d+\])/)) {
        const m = part.match(/^\s*\[(\d+)\]$/);
        if (!m) { if (part) frag.appendChild(document.createTextNode(part)); continue; }
        const chip = document.createElement('button');
        chip.type = 'button'; chip.className = 'chip'; chip.dataset.n = m[1];
        chip.textContent = m[1]; chip.setAttribute('aria-label', 'Source ' + m[1]);
        frag.appendChild(chip);
      }
      node.replaceWith(frag);
    }
  }

  function selectedAnswer() {
    const panel = $('#sources .sources[data-answer]');
    return panel ? panel.dataset.answer : null;
  }

  let shown = null;  // the answer whose sources were last shown

  function sync() {
    const k = selectedAnswer();
    bubbles().forEach((bubble, i) => {
      const content = $('.message-content', bubble) || bubble;
      chipify(content);
      const on = String(i) === k;
      if (bubble.classList.contains('is-selected') !== on)
        bubble.classList.toggle('is-selected', on);
      if (!bubble.title) bubble.title = 'Click to see the sources of this answer';
      // A restored conversation opens at the answer its sources belong to.
      if (on && shown !== k) bubble.scrollIntoView({block: 'nearest', behavior: 'instant'});
    });
    if (bubbles()[Number(k)]) shown = k;
    if (pending && pending.k === k) {
      const card = $(`#sources .cite[data-n="${pending.n}"]`);
      pending = null;
      if (card) showCard(card);
    }
    placeFeedback();
  }

  function showCard(card) {
    card.scrollIntoView({block: 'nearest', behavior: 'instant'});
    card.classList.add('flash');
    setTimeout(() => card.classList.remove('flash'), 1600);
  }

  function tip() {
    let el = $('#chip-tip');
    if (!el) {
      el = document.createElement('div'); el.id = 'chip-tip'; el.hidden = true;
      el.setAttribute('role', 'tooltip');
      ($('.gradio-container') || document.body).appendChild(el);  // the theme's font
    }
    return el;
  }

  function answerOf(chip) {
    const bubble = chip.closest('#chat [data-testid="bot"]');
    return bubble ? String(bubbles().indexOf(bubble)) : selectedAnswer();
  }

  function showTip(chip) {
    const data = $(`#cite-data [data-answer="${answerOf(chip)}"][data-n="${chip.dataset.n}"]`);
    if (!data) return;
    const el = tip();
    el.textContent = '“' + data.dataset.quote + '”';
    const src = document.createElement('span');
    src.className = 'src'; src.textContent = '[' + chip.dataset.n + '] ' + data.dataset.source;
    el.appendChild(src);
    el.hidden = false;
    const r = chip.getBoundingClientRect(), w = Math.min(360, window.innerWidth - 16);
    el.style.left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8)) + 'px';
    const below = r.bottom + 8, h = el.offsetHeight;
    el.style.top = (below + h < window.innerHeight ? below : Math.max(8, r.top - h - 8)) + 'px';
  }

  function hideTip() { const el = $('#chip-tip'); if (el) el.hidden = true; }

  document.addEventListener('mouseover', (e) => {
    const chip = e.target.closest && e.target.closest('.chip');
    if (chip) showTip(chip); else hideTip();
  });
  document.addEventListener('focusin', (e) => {
    if (e.target.classList && e.target.classList.contains('chip')) showTip(e.target);
  });
  document.addEventListener('focusout', hideTip);
  document.addEventListener('click', (e) => {
    const chip = e.target.closest && e.target.closest('.chip');
    if (chip) {
      const k = answerOf(chip);
      // In the chat the click also selects the answer (it bubbles to the message).
      if (k === selectedAnswer()) {
        const card = $(`#sources .cite[data-n="${chip.dataset.n}"]`);
        if (card) showCard(card);
      } else pending = {k, n: chip.dataset.n};
    }
    const thumb = e.target.closest && e.target.closest('#chat button[aria-label="Like"], '
      + '#chat button[aria-label="Dislike"]');
    if (thumb) { voted = thumb; openFeedback(true); }
    else if (e.target.closest && e.target.closest('#feedback-close, #ask')) openFeedback(false);
  }, true);

  // The feedback box opens beside the thumbs just pressed and follows them as the page or
  // the chat scrolls; it stays in Gradio's tree, only shown and placed.
  function placeFeedback() {
    const box = $('#feedback-pop');
    if (!box || box.dataset.open !== '1') return;
    if (!voted || !document.contains(voted)) {
      voted = $$('#chat button[aria-label="Like"], #chat button[aria-label="Dislike"]')
        .find(b => b.getAttribute('aria-pressed') === 'true' || b.classList.contains('selected'))
        || voted;
    }
    if (!voted || !document.contains(voted)) return;
    const r = voted.getBoundingClientRect(), w = box.offsetWidth || 360;
    box.style.left = Math.max(8, Math.min(r.left, window.innerWidth - w - 8)) + 'px';
    const h = box.offsetHeight, below = r.bottom + 6;
    box.style.top = (below + h < window.innerHeight ? below : Math.max(8, r.top - h - 6)) + 'px';
  }

  function openFeedback(open) {
    const box = $('#feedback-pop');
    if (!box) return;
    box.dataset.open = open ? '1' : '0';
    if (open) requestAnimationFrame(placeFeedback);
  }

  window.addEventListener('scroll', placeFeedback, true);
  window.addEventListener('resize', placeFeedback);

  const observer = new MutationObserver(() => requestAnimationFrame(sync));
  const start = () => {
    const root = $('gradio-app') || document.body;
    observer.observe(root, {childList: true, subtree: true, characterData: true});
    sync();
  };
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
}
"""
