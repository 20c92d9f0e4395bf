"""The workspace's styles: the Sources panel, citation chips, charts and the phone layout.

Gradio's colour variables keep everything readable in light and dark mode. The Sources panel
scrolls inside its own box: Gradio's block style keeps `overflow: visible` on the block, so the
scrolling box is the panel's own element, never the block.
"""

CSS = """
.gradio-container { max-width: 1500px !important; }
#title h1 { margin-bottom: 0; }
#title p { color: var(--body-text-color-subdued); margin-top: 4px; }
#side { position: sticky; top: 8px; align-self: flex-start; }
#sources { overflow: visible; }
.sources { font-size: 0.95em; max-height: calc(100vh - 190px); min-height: 120px;
  overflow-y: auto; overscroll-behavior: contain; padding-right: 6px; }
.sources.empty { color: var(--body-text-color-subdued); min-height: 0; }
.sources .asked { font-weight: 600; margin-bottom: 4px; }
.sources .label { background: var(--primary-100); color: var(--primary-800); border-radius: 4px;
  padding: 1px 6px; font-size: 0.8em; margin-right: 4px; }
.sources .hint { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 0 0 6px; }
.sources .resolved { color: var(--body-text-color-subdued); font-style: italic;
  margin-bottom: 6px; }
.sources .abstained { background: var(--background-fill-secondary); border-radius: 6px;
  padding: 6px 10px; }
.sources .nearby li { margin: 2px 0; }
.sources .cite { border: 1px solid var(--border-color-primary); border-radius: 8px;
  padding: 10px 12px; margin: 8px 0; background: var(--background-fill-primary);
  scroll-margin: 12px; transition: box-shadow 0.3s, border-color 0.3s; }
.sources .cite.flash { border-color: var(--primary-500);
  box-shadow: 0 0 0 3px var(--primary-200); }
.sources .cite .n { color: var(--primary-600); font-weight: 700; }
.sources .title { font-weight: 600; }
.sources .meta { color: var(--body-text-color-subdued); font-size: 0.85em; margin: 2px 0 6px; }
.sources .passage { white-space: pre-wrap; line-height: 1.5; }
.sources mark { background: #fde68a; color: #111827; padding: 1px 2px; border-radius: 3px; }
.sources h4 { margin: 14px 0 6px; }
.sources table { border-collapse: collapse; font-size: 0.9em; width: 100%; }
.sources td, .sources th { border: 1px solid var(--border-color-primary); padding: 4px 8px;
  text-align: left; vertical-align: top; }
.sources .num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.sources .src { color: var(--body-text-color-subdued); font-size: 0.9em; width: 40%; }
.sources .unit { color: var(--body-text-color-subdued); font-size: 0.85em; white-space: normal; }
.sources .src a { color: var(--primary-600); }
.sources code { font-size: 1em; }
.chart { margin: 6px 0 10px; }
.chart svg { width: 100%; height: auto; display: block; }
.chart text { fill: var(--body-text-color); font-size: 12px; }
.chart .title { font-weight: 600; font-size: 13px; }
.chart .note { fill: var(--primary-700); font-weight: 600; }
.chart .axis { stroke: var(--border-color-primary); }
.chart .sub { fill: var(--body-text-color-subdued); font-size: 11px; }
#cite-data { display: none !important; }
#chat [data-testid='bot'] { cursor: pointer; }
#chat [data-testid='bot'].is-selected { outline: 2px solid var(--primary-500);
  outline-offset: 2px; }
#chat [data-testid='bot'].is-selected::after { content: 'Sources shown'; display: block;
  font-size: 0.75em; color: var(--primary-700); margin-top: 4px; }
.chip { display: inline-block; min-width: 1.5em; padding: 0 5px; margin: 0 1px;
  border-radius: 9px; border: 1px solid var(--primary-300); background: var(--primary-50);
  color: var(--primary-700); font-size: 0.75em; font-weight: 600; line-height: 1.5;
  vertical-align: super; cursor: pointer; }
.chip:hover, .chip:focus { background: var(--primary-200); outline: none; }
#chip-tip { position: fixed; z-index: 1000; max-width: 360px; padding: 8px 10px;
  border-radius: 8px; background: var(--background-fill-primary); color: var(--body-text-color);
  border: 1px solid var(--border-color-primary); box-shadow: 0 6px 18px rgba(0,0,0,0.18);
  font-size: 0.85em; line-height: 1.45; pointer-events: none; }
#chip-tip .src { display: block; margin-top: 4px; color: var(--body-text-color-subdued);
  font-size: 0.9em; }
#chip-tip[hidden] { display: none; }
button.suggest { white-space: normal !important; text-align: left !important;
  height: auto !important; min-height: 34px; line-height: 1.3; }
#suggestions { flex-direction: row !important; flex-wrap: wrap; gap: 6px; }
#suggestions > * { flex: 1 1 calc(50% - 6px); min-width: 0 !important; }
#suggestions > #suggest-title { flex-basis: 100%; }
#suggest-title p { margin: 6px 0 0; color: var(--body-text-color-subdued); font-size: 0.9em; }
#feedback-pop { position: fixed; z-index: 900; width: min(380px, calc(100vw - 16px));
  border: 1px solid var(--primary-300); border-radius: 10px; padding: 10px;
  background: var(--background-fill-primary); box-shadow: 0 8px 24px rgba(0,0,0,0.18); }
#feedback-pop:not([data-open='1']) { display: none !important; }
#feedback-note p { margin: 0; color: var(--primary-700); font-weight: 600; }
#conversations { min-width: 0; }
@media (max-width: 768px) {
  #workspace { flex-wrap: wrap; }
  #workspace > .column { display: contents; }
  #workspace > .column > * { order: 5; flex: 1 1 100%; min-width: 100% !important; }
  #workspace #chat { order: 1; }
  /* An empty chat holds only its placeholder: short, so the examples fit the first view. */
  #workspace:has(.sources.empty) #chat { min-height: 140px !important; height: 140px; }
  #workspace #ask-row { order: 2; }
  #workspace #side-title, #workspace #sources { order: 4; }
  #workspace .suggest-block { order: 5; }
  /* Before the first answer the examples come first; after it, the sources do. */
  #workspace:has(.sources.empty) .suggest-block { order: 3; }
  #title p { display: none; }
  #suggestions > * { flex-basis: 100%; }
  #conversation-row { flex-wrap: nowrap; gap: 6px; }
  /* The question box gets the whole width; the sources choice and Ask share the line below. */
  #ask-row { flex-wrap: wrap !important; gap: 6px; }
  #ask-row .form { display: contents; }
  #ask-row > *, #ask-row .form > * { min-width: 0 !important; }
  #ask-row #question { flex: 1 1 100% !important; }
  #ask-row #since { flex: 1 1 0 !important; }
  #ask-row #ask { flex: 0 0 72px !important; }
  #conversation-row > * { min-width: 0 !important; }
  #side { position: static; }
  .sources { max-height: 70vh; }
}
"""
