// The accessible name or visible text of the element at a CSS point, or null.
([x, y]) => {
  const hit = document.elementFromPoint(x, y);
  // The page itself is no answer: its text is everything on screen.
  if (!hit || hit === document.body || hit === document.documentElement) return null;
  // A click on a <span> or icon inside a button or link is a click on that control: name it.
  const control = 'button, a[href], [role=button], [role=link], [role=menuitem], [role=tab], [role=option], summary';
  const el = hit.closest(control) || hit;
  const clean = (s) => (s || '').replace(/\s+/g, ' ').trim();
  let text = clean(el.getAttribute('aria-label'));
  const labelledBy = el.getAttribute('aria-labelledby');
  if (!text && labelledBy) {
    text = clean(labelledBy.split(/\s+/).map((id) => document.getElementById(id)?.innerText).join(' '));
  }
  if (!text && el.labels && el.labels.length) text = clean(el.labels[0].innerText);
  if (!text) text = clean(el.innerText);
  if (!text && typeof el.value === 'string') text = clean(el.value);
  const attr = (name) => clean(el.getAttribute(name));
  if (!text) text = attr('placeholder') || attr('title') || attr('alt');
  return text || null;
}
