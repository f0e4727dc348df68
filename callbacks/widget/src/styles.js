// The dialog's styles, inside its shadow root: the page's CSS cannot reach them, nor they the page.

export const CSS = `
:host { all: initial; }
.cbw {
  --accent: #2563eb; --accent-text: #fff;
  --surface: #fff; --text: #111827; --muted: #5b6472; --border: #d0d5dd; --field: #fff; --soft: #f3f4f6;
  --danger: #b42318; --danger-soft: #fef3f2; --success: #067647; --success-soft: #ecfdf3;
  --shadow: 0 24px 48px -12px rgba(16, 24, 40, .28);
  --font: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif;
  font: 15px/1.45 var(--font); color: var(--text); -webkit-font-smoothing: antialiased; color-scheme: light;
}
.cbw.dark {
  --surface: #161b26; --text: #f5f5f6; --muted: #a4a7ae; --border: #373d4a; --field: #0c111d; --soft: #1f2532;
  --danger: #fda29b; --danger-soft: rgba(240, 68, 56, .14); --success: #75e0a7; --success-soft: rgba(23, 178, 106, .14);
  --shadow: 0 24px 48px -12px rgba(0, 0, 0, .6); color-scheme: dark;
}
*, *::before, *::after { box-sizing: border-box; }
[hidden] { display: none !important; }
button, input, select, textarea { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }

.launcher {
  position: fixed; right: 20px; bottom: 20px; z-index: 2147483000;
  display: inline-flex; align-items: center; gap: .55rem; padding: .8rem 1.2rem .8rem 1rem;
  border: 0; border-radius: 999px; background: var(--accent); color: var(--accent-text);
  font-weight: 600; font-size: 15px; cursor: pointer; box-shadow: 0 10px 24px -6px rgba(16, 24, 40, .35);
  transition: transform .15s ease, box-shadow .15s ease;
}
.launcher:hover { transform: translateY(-1px); box-shadow: 0 14px 28px -6px rgba(16, 24, 40, .4); }
.launcher svg { width: 20px; height: 20px; }

.backdrop {
  position: fixed; inset: 0; z-index: 2147483001; display: flex; align-items: center; justify-content: center;
  padding: 24px; background: rgba(12, 17, 29, .5); animation: fade .15s ease-out;
}
.dialog {
  display: flex; flex-direction: column; width: min(500px, 100%); max-height: calc(100vh - 48px);
  background: var(--surface); color: var(--text); border-radius: 16px; box-shadow: var(--shadow);
  overflow: hidden; animation: rise .18s ease-out;
}
@keyframes fade { from { opacity: 0; } }
@keyframes rise { from { opacity: 0; transform: translateY(12px); } }
@media (prefers-reduced-motion: reduce) { .backdrop, .dialog { animation: none; } .launcher { transition: none; } }

.head { position: relative; padding: 22px 56px 8px 24px; }
.head h2 { margin: 0; font-size: 20px; line-height: 1.3; font-weight: 700; }
.head p { margin: 4px 0 0; color: var(--muted); font-size: 14px; }
.x {
  position: absolute; top: 14px; right: 14px; width: 36px; height: 36px; display: grid; place-items: center;
  border: 0; border-radius: 8px; background: transparent; color: var(--muted); cursor: pointer;
}
.x:hover { background: var(--soft); color: var(--text); }
.x svg { width: 20px; height: 20px; }

/* The form is the dialog's scrolling middle: header and buttons stay in view however long it gets. */
.dialog > form { display: flex; flex-direction: column; flex: 1 1 auto; min-height: 0; }
.body { flex: 1 1 auto; min-height: 0; overflow-y: auto; padding: 10px 24px 20px; overscroll-behavior: contain; }
.foot { display: flex; justify-content: flex-end; gap: 10px; padding: 14px 24px; border-top: 1px solid var(--border); }

.banner {
  margin: 4px 0 14px; padding: 10px 12px; border-radius: 10px; font-size: 14px;
  background: var(--danger-soft); color: var(--danger); border: 1px solid color-mix(in srgb, var(--danger) 30%, transparent);
}
.row { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-bottom: 14px; }
.field { display: flex; flex-direction: column; gap: 5px; min-width: 0; grid-column: 1 / -1; }
.field.half { grid-column: auto; }
.label { font-weight: 600; font-size: 14px; }
.req { color: var(--muted); font-weight: 400; }
.input {
  width: 100%; min-height: 44px; padding: 10px 12px; border: 1px solid var(--border); border-radius: 10px;
  background: var(--field); color: var(--text); transition: border-color .15s, box-shadow .15s;
}
textarea.input { min-height: 84px; resize: vertical; }
.input::placeholder { color: color-mix(in srgb, var(--muted) 75%, transparent); }
.input:focus { outline: none; border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.invalid .input, .invalid .phone { border-color: var(--danger); }
.error { color: var(--danger); font-size: 13px; }
.error:empty { display: none; }
.check { display: flex; gap: 10px; align-items: flex-start; font-size: 14px; }
.check input { width: 18px; height: 18px; margin: 2px 0 0; accent-color: var(--accent); }

.phone {
  display: flex; border: 1px solid var(--border); border-radius: 10px; background: var(--field);
  transition: border-color .15s, box-shadow .15s;
}
.phone:focus-within { border-color: var(--accent); box-shadow: 0 0 0 3px color-mix(in srgb, var(--accent) 22%, transparent); }
.phone .input { border: 0; box-shadow: none; background: transparent; }
/* The native select keeps keyboard and screen-reader behaviour; the code shown over it stays short. */
.cc { position: relative; display: flex; align-items: center; gap: 4px; padding: 0 10px 0 12px; border-right: 1px solid var(--border); white-space: nowrap; font-variant-numeric: tabular-nums; }
.cc select { position: absolute; inset: 0; width: 100%; opacity: 0; cursor: pointer; }
.cc .code { font-weight: 600; font-size: 13px; color: var(--muted); }
.cc svg { width: 14px; height: 14px; color: var(--muted); }

fieldset { border: 0; margin: 0 0 14px; padding: 0; min-width: 0; }
legend { padding: 0; margin-bottom: 8px; font-weight: 600; font-size: 14px; }
.choices { display: grid; grid-template-columns: 1fr 1fr; gap: 10px; }
.choice { position: relative; display: block; padding: 12px 14px 12px 40px; border: 1px solid var(--border); border-radius: 12px; cursor: pointer; }
.choice input { position: absolute; left: 14px; top: 15px; margin: 0; width: 16px; height: 16px; accent-color: var(--accent); }
.choice strong { display: block; font-size: 14px; }
.choice span { display: block; color: var(--muted); font-size: 13px; }
.choice:has(input:checked) { border-color: var(--accent); background: color-mix(in srgb, var(--accent) 8%, transparent); }
.choice:has(input:disabled) { opacity: .55; cursor: not-allowed; }
.choice:has(input:focus-visible) { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }
.info { margin: 0; padding: 10px 12px; border-radius: 10px; background: var(--soft); font-size: 14px; }

.picker { margin-top: 12px; }
.sub { margin: 0 0 6px; font-size: 13px; font-weight: 600; color: var(--muted); }
.days { display: flex; gap: 8px; overflow-x: auto; padding: 2px 2px 6px; margin: 0 -2px 8px; scrollbar-width: thin; }
.slots { display: grid; grid-template-columns: repeat(4, 1fr); gap: 8px; max-height: 172px; overflow-y: auto; padding: 2px; }
.pill { position: relative; }
.pill input { position: absolute; opacity: 0; inset: 0; margin: 0; cursor: pointer; }
.pill span {
  display: block; padding: 8px 10px; border: 1px solid var(--border); border-radius: 999px; text-align: center;
  font-size: 14px; white-space: nowrap; font-variant-numeric: tabular-nums; background: var(--field);
}
.pill input:checked + span { background: var(--accent); border-color: var(--accent); color: var(--accent-text); font-weight: 600; }
.pill input:focus-visible + span { outline: 3px solid color-mix(in srgb, var(--accent) 55%, transparent); outline-offset: 2px; }
.pill input:disabled + span { opacity: .45; text-decoration: line-through; }
.note { margin: 8px 0 0; color: var(--muted); font-size: 12px; }
.note:empty { display: none; }
.consent { margin: 0; padding: 0 24px 10px; }
.sub.zone { margin-bottom: 10px; color: var(--text); font-weight: 600; }
.choices + .info, fieldset > .info { margin-bottom: 4px; }

.captcha-image { display: flex; gap: 10px; align-items: center; margin-bottom: 6px; }
.captcha-image img { height: 50px; width: auto; min-width: 100px; border-radius: 8px; border: 1px solid var(--border); background: #fff; }

.btn {
  min-height: 44px; padding: 10px 18px; border-radius: 10px; border: 1px solid transparent; cursor: pointer;
  font-weight: 600; display: inline-flex; align-items: center; justify-content: center; gap: 8px;
}
.btn.primary { background: var(--accent); color: var(--accent-text); }
.btn.primary:hover { filter: brightness(1.06); }
.btn.secondary { background: transparent; border-color: var(--border); color: var(--text); }
.btn.secondary:hover { background: var(--soft); }
.btn.danger { background: var(--danger); color: var(--surface); }
.btn.danger:hover { filter: brightness(1.06); }
.btn:disabled { opacity: .6; cursor: progress; }
.btn.icon { min-height: 36px; padding: 6px 10px; }
.spinner { width: 16px; height: 16px; border: 2px solid currentColor; border-right-color: transparent; border-radius: 50%; animation: spin .7s linear infinite; }
@keyframes spin { to { transform: rotate(360deg); } }
.link { padding: 0; border: 0; background: none; color: var(--danger); text-decoration: underline; cursor: pointer; font-size: 14px; }

.done { text-align: center; padding: 18px 4px 8px; }
.done .badge {
  width: 56px; height: 56px; margin: 0 auto 14px; border-radius: 50%; display: grid; place-items: center;
  background: var(--success-soft); color: var(--success);
}
.done.canceled .badge { background: var(--soft); color: var(--muted); }
.done.mine .badge { background: color-mix(in srgb, var(--accent) 12%, transparent); color: var(--accent); }
.done .badge svg { width: 28px; height: 28px; }
.done h3 { margin: 0 0 8px; font-size: 19px; }
.done p { margin: 0 0 6px; }
.done .when { font-weight: 600; }
.done .muted { color: var(--muted); font-size: 14px; }
.done .actions { margin-top: 18px; display: flex; flex-direction: column; align-items: center; gap: 12px; }
.done h3:focus { outline: none; }
.buttons { display: flex; flex-wrap: wrap; justify-content: center; gap: 10px; }
.facts {
  display: grid; grid-template-columns: auto 1fr; gap: 8px 16px; margin: 14px auto 10px; max-width: 380px;
  padding: 12px 16px; border-radius: 12px; background: var(--soft); text-align: left;
}
.facts dt { color: var(--muted); font-size: 14px; }
.facts dd { margin: 0; font-weight: 600; }
.notice { color: var(--success); font-weight: 600; }
.confirm {
  width: 100%; max-width: 380px; padding: 14px 16px; border-radius: 12px; background: var(--danger-soft);
  border: 1px solid color-mix(in srgb, var(--danger) 30%, transparent);
}
.confirm > p:first-child { margin: 0 0 12px; font-weight: 600; }
.confirm .error { margin: 10px 0 0; }
.moving { padding: 8px 0 4px; }
.moving h3 { margin: 0 0 4px; font-size: 19px; }
.moving h3:focus { outline: none; }
.moving .muted { margin: 0 0 14px; color: var(--muted); font-size: 14px; }
.moving > .error { margin: 10px 0 0; }
.moving > .buttons { justify-content: flex-end; margin-top: 18px; }

.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }

/* Phones: a full-screen sheet, one field a row, and thumbs reach the buttons. */
@media (max-width: 480px) {
  .backdrop { padding: 0; align-items: stretch; }
  .dialog { width: 100%; max-height: none; height: 100%; height: 100dvh; border-radius: 0; }
  .head { padding: 18px 56px 6px 18px; }
  .body { padding: 8px 18px 18px; }
  .foot { padding: 12px 18px calc(12px + env(safe-area-inset-bottom)); }
  .foot .btn { flex: 1; }
  .row, .choices { grid-template-columns: 1fr; }
  .slots { grid-template-columns: repeat(3, 1fr); max-height: none; }
  .launcher { right: 16px; bottom: 16px; }
}
`;
