// The page's behaviour, run once when the chat's header is shown (bot/chat.py passes this file
// as the header's js_on_load, where `trigger` sends an event to the server).
// One delegated listener for the whole page: citation links open the viewer, copy links copy
// the quote, link links copy the address that opens the viewer on it, mark links record which
// quote answers, play links (▶) open the viewer playing the recording from the quote's time.
if (!window.__qbHook) {
  window.__qbHook = true;
  // The viewer shows the quoted passage in the middle and takes the focus, so that a keyboard or
  // screen reader goes on from there. Run once the viewer has opened (bot/chat.py, SCROLL_TO_FOCUS).
  window.__qbScrollToFocus = () => { setTimeout(() => {
    const m = document.getElementById('qb-focus');
    if (m) m.scrollIntoView({block: 'center', behavior: 'smooth'});
    const v = document.querySelector('#qb-viewer .qb-viewer');
    if (v) { v.setAttribute('tabindex', '-1'); v.focus({preventScroll: true}); }
  }, 120); };
  // The viewer's player (bot/ui_html.py) is cued to its passage's time once the recording's
  // length is known, and plays when its card's ▶ asked for it (window.__qbPlay, the passage id):
  // the click is the user's, so the browser lets it play; if it does not, the controls are there.
  const cue = (player, play) => {
    player.dataset.cued = '1';
    const start = parseFloat(player.dataset.start || '0') || 0;
    const go = () => {
      player.currentTime = start;
      if (play) player.play().catch(() => {});
    };
    if (player.readyState >= 1) go(); else player.addEventListener('loadedmetadata', go, {once: true});
  };
  const cueViewer = () => {
    const player = document.querySelector('#qb-viewer .qb-player:not([data-cued])');
    if (!player) return;
    cue(player, window.__qbPlay === player.dataset.passage);
  };
  const copy = async (text) => {
    window.__qbCopied = text;
    try { await navigator.clipboard.writeText(text); return; } catch (e) {}
    const area = document.createElement('textarea');
    area.value = text; area.setAttribute('readonly', ''); area.style.position = 'fixed';
    area.style.opacity = '0'; document.body.appendChild(area); area.select();
    try { document.execCommand('copy'); } finally { area.remove(); }
  };
  // A copy link says "Copied" for a moment, then its name again.
  const copied = (a, label) => {
    a.textContent = 'Copied'; a.classList.add('qb-copied');
    setTimeout(() => { a.textContent = label; a.classList.remove('qb-copied'); }, 1600);
  };
  // A mark link (bot/marks.py) asks the chat to record its line in marked.jsonl; once the chat
  // says it is recorded (window.__qbMarked, run by bot/chat.py's SHOW_MARK), every link of that
  // mark says so, and goes on saying so when the chat draws its answers again. A mark that was
  // not recorded can be clicked again (the chat has said why, in a warning).
  const marked = new Set();
  const markKey = (a) => (a.getAttribute('href') || '').slice(6);
  const showMarks = () => {
    if (!marked.size) return;
    document.querySelectorAll('a.qb-mark:not(.qb-marked)').forEach((a) => {
      if (!marked.has(markKey(a))) return;
      a.classList.remove('qb-marking'); a.classList.add('qb-marked');
      a.textContent = a.classList.contains('qb-mark-none') ? 'Marked: none of these answers'
        : 'Marked as the answer';
      a.setAttribute('aria-disabled', 'true');
      a.title = 'Recorded in marked.jsonl beside the store, for “quotebot eval marked”';
    });
  };
  window.__qbMarked = (result) => {
    let r;
    try { r = JSON.parse(result || ''); } catch (e) { return; }
    (r.marked || []).forEach((key) => marked.add(key));
    if (!r.ok) {
      document.querySelectorAll('a.qb-marking').forEach((a) => {
        if (markKey(a) === r.key) a.classList.remove('qb-marking');
      });
    }
    showMarks();
  };
  // The box is disabled while a question is answered, which drops its focus to the page: keys
  // typed then are kept, and the box takes the focus back with them once the answer is shown.
  const box = () => document.querySelector('#qb-ask textarea');
  const unfocused = () => !document.activeElement || document.activeElement === document.body;
  let typed = '', refocus = false;
  window.addEventListener('keydown', (e) => {
    const b = box();
    if (!b) return;
    // An empty question is not sent (the chat would show an empty bubble and an error).
    if (e.target === b && e.key === 'Enter' && !e.shiftKey && !b.value.trim()) {
      e.preventDefault(); e.stopImmediatePropagation(); return;
    }
    // The slider's number box keeps its value in range only when it loses the focus.
    if (e.key === 'Enter' && e.target.matches('#qb-k input[type=number]')) e.target.blur();
    // Escape closes the source viewer and hands the focus back to the question box.
    const viewerToggle = document.querySelector('#qb-right.open .toggle-button');
    if (e.key === 'Escape' && viewerToggle) {
      document.querySelectorAll('#qb-viewer .qb-player').forEach((p) => p.pause());
      viewerToggle.click(); b.focus({preventScroll: true}); return;
    }
    if (!unfocused() || e.ctrlKey || e.metaKey || e.altKey || e.key.length !== 1) return;
    if (b.disabled) { typed += e.key; e.preventDefault(); } else b.focus({preventScroll: true});
  }, true);
  // A new answer is shown from its start (the chat would scroll to its end).
  let answers = 0;
  new MutationObserver(() => {
    cueViewer();
    showMarks();
    const all = document.querySelectorAll('#qb-chat .qb-answer');
    if (all.length > answers) {
      all[all.length - 1].scrollIntoView({block: 'start'});
      refocus = true;
    }
    answers = all.length;
    const b = box();
    if (refocus && b && !b.disabled) {
      refocus = false;
      if (unfocused()) b.focus({preventScroll: true});
      if (typed && document.activeElement === b) document.execCommand('insertText', false, typed);
      typed = '';
    }
  }).observe(document.body, {childList: true, subtree: true, attributeFilter: ['disabled']});
  // On a phone the sources panel would cover the chat: start with it closed.
  if (window.innerWidth < 768) {
    let tries = 0;
    const closeLeft = () => {
      const toggle = document.querySelector('#qb-left.open .toggle-button');
      if (toggle) toggle.click(); else if (++tries < 50) setTimeout(closeLeft, 100);
    };
    closeLeft();
  }
  document.addEventListener('click', (e) => {
    const send = e.target.closest && e.target.closest('#qb-ask [data-testid="submit-button"]');
    if (send && !box().value.trim()) {
      e.preventDefault(); e.stopImmediatePropagation(); return;
    }
    const a = e.target.closest && e.target.closest('a');
    if (!a) return;
    const href = a.getAttribute('href') || '';
    if (href.startsWith('#rm=')) {
      e.preventDefault(); e.stopPropagation();
      const name = decodeURIComponent(href.slice(4));
      if (confirm('Remove “' + name + '” from the store? Its passages will no longer be searched; '
                  + 'upload it again to bring them back.')) trigger('remove_source', {src: name});
    } else if (href.startsWith('#src=') || href.startsWith('#play=')) {
      // ▶ opens the viewer as the citation does, and plays: at once if it shows that passage.
      e.preventDefault(); e.stopPropagation();
      const id = href.slice(href.indexOf('=') + 1);
      window.__qbPlay = href.startsWith('#play=') ? id : null;
      const shown = document.querySelector('#qb-viewer .qb-player[data-passage="' + CSS.escape(id) + '"]');
      if (shown && window.__qbPlay) cue(shown, true);
      trigger('open_source', {src: id});
    } else if (href.startsWith('#copy=')) {
      e.preventDefault(); e.stopPropagation();
      const card = a.closest('.qb-card');
      if (!card) return;
      const quote = card.querySelector('.qb-quote').innerText.trim();
      const cite = card.querySelector('.qb-cite-text').title;
      const link = card.querySelector('a.qb-orig');
      copy('“' + quote + '”\n— ' + cite + (link ? ' · ' + link.href : '')).then(() => copied(a, 'Copy'));
    } else if (href.startsWith('#link=')) {
      // The app's address that opens the viewer on this passage: an id, never a file's path.
      e.preventDefault(); e.stopPropagation();
      const id = href.slice(6);
      copy(location.origin + location.pathname + '?passage=' + encodeURIComponent(id))
        .then(() => copied(a, 'Link'));
    } else if (href.startsWith('#mark=')) {
      // "This one answers" or "None of these": the chat records it (see window.__qbMarked).
      e.preventDefault(); e.stopPropagation();
      if (a.classList.contains('qb-marked') || a.classList.contains('qb-marking')) return;
      a.classList.add('qb-marking');
      trigger('mark_answer', {src: markKey(a)});
    }
  }, true);
}
