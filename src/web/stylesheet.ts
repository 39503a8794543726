/**
 * The one stylesheet, served from our own origin (the CSP allows no inline style). Contrast
 * follows WCAG 2.1 AA (text ≥ 4.5:1); focus is always visible; the layout is one column that
 * reads the same at 320 px and on a desktop.
 */
export const STYLESHEET = `
*, *::before, *::after { box-sizing: border-box; }
html { font-family: "Noto Sans", "Segoe UI", Roboto, Arial, sans-serif; font-size: 100%; line-height: 1.5; color: #1b1b1b; background: #f3f4f6; }
body { margin: 0; }
a { color: #0b4f9c; }
a:hover { color: #083a73; }
:focus-visible { outline: 3px solid #f5a300; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; z-index: 10; }
.skip:focus { left: 1rem; }
.visually-hidden { position: absolute !important; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
header.banner { background: #a50e0e; color: #fff; border-bottom: 4px solid #f5c518; }
header.banner .inner { max-width: 60rem; margin: 0 auto; padding: .75rem 1rem; display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .75rem; }
header.banner .brand { margin: 0; font-size: 1rem; line-height: 1.3; }
header.banner .brand strong { display: block; font-size: 1.25rem; }
header.banner nav ul { list-style: none; margin: 0; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: center; }
header.banner nav a, header.banner nav button { color: #fff; font: inherit; }
header.banner nav button { background: none; border: 1px solid #fff; border-radius: 4px; padding: .2rem .7rem; cursor: pointer; }
main { max-width: 60rem; margin: 1.5rem auto; padding: 1.5rem; background: #fff; border-radius: 6px; box-shadow: 0 1px 3px rgba(0,0,0,.15); }
main.narrow { max-width: 30rem; }
h1 { font-size: 1.6rem; margin: 0 0 1rem; color: #7a0a0a; }
h2 { font-size: 1.2rem; margin: 1.5rem 0 .75rem; }
h3 { font-size: 1.05rem; margin: 1rem 0 .5rem; }
.lead { margin-top: 0; color: #3d3d3d; }
.field { margin-bottom: 1.1rem; }
label { display: block; font-weight: 600; margin-bottom: .25rem; }
.hint { margin: 0 0 .35rem; color: #4a4a4a; font-size: .95rem; }
input[type=text], input[type=password], input[type=search], select { width: 100%; font: inherit; padding: .5rem .6rem; border: 2px solid #5a5a5a; border-radius: 4px; background: #fff; }
input[aria-invalid=true] { border-color: #b00020; }
.field-error { margin: 0 0 .35rem; color: #b00020; font-weight: 600; }
button.primary { font: inherit; font-weight: 600; color: #fff; background: #0b4f9c; border: 0; border-radius: 4px; padding: .6rem 1.4rem; cursor: pointer; }
button.primary:hover { background: #083a73; }
.error-summary { border: 3px solid #b00020; border-radius: 4px; padding: .75rem 1rem; margin-bottom: 1.25rem; }
.error-summary h2 { margin: 0 0 .5rem; font-size: 1.1rem; color: #b00020; }
.error-summary ul { margin: 0; padding-left: 1.2rem; }
.error-summary a { color: #b00020; font-weight: 600; }
.notice p, .warning p { margin: 0; }
.notice { border-left: 6px solid #0b7a3b; background: #eaf6ee; padding: .75rem 1rem; margin-bottom: 1.25rem; }
.warning { border-left: 6px solid #b26b00; background: #fff4e0; padding: .75rem 1rem; margin-bottom: 1.25rem; }
.rules { margin: .25rem 0 .5rem; padding-left: 1.2rem; color: #3d3d3d; }
.search-form { display: flex; gap: .5rem; align-items: flex-end; flex-wrap: wrap; }
.search-form .field { flex: 1 1 20rem; margin-bottom: 0; }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; }
caption { text-align: left; font-weight: 600; padding-bottom: .4rem; }
th, td { text-align: left; padding: .5rem .6rem; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
thead th { background: #f0f0f0; }
td.phone { white-space: nowrap; }
.kind { display: inline-block; font-size: .8rem; padding: 0 .4rem; border-radius: 3px; background: #e8eef7; color: #0b3d75; }
.downloads { margin-top: 2rem; border-top: 1px solid #d0d0d0; padding-top: .5rem; }
.downloads form { display: flex; gap: .5rem; align-items: flex-end; flex-wrap: wrap; }
.downloads .field { flex: 1 1 18rem; margin-bottom: 0; }
input[type=date], textarea { font: inherit; padding: .5rem .6rem; border: 2px solid #5a5a5a; border-radius: 4px; background: #fff; }
textarea { width: 100%; }
label.inline { font-weight: 600; display: flex; gap: .5rem; align-items: center; }
.rule-list li { margin-bottom: .5rem; }
.rule-list form { display: inline; margin-left: .5rem; }
pre.script { background: #f6f6f6; border: 1px solid #d0d0d0; padding: .75rem; overflow-x: auto; white-space: pre-wrap; }
footer { max-width: 60rem; margin: 0 auto 2rem; padding: 0 1rem; color: #4a4a4a; font-size: .9rem; }
.toc ul { list-style: none; margin: 0 0 1rem; padding: 0; display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; }
table.settings td.port { font-variant-numeric: tabular-nums; white-space: nowrap; }
.facts { padding-left: 1.2rem; }
.steps li { margin-bottom: .4rem; }
a.download { display: inline-block; font-weight: 600; color: #fff; background: #0b4f9c; border-radius: 4px; padding: .6rem 1.4rem; text-decoration: none; }
a.download:hover { background: #083a73; color: #fff; }
.handout-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(16rem, 1fr)); gap: 0 1.5rem; }
/* The handout of training sessions: one A4 sheet, without the site's banner, navigation and footer. */
@page { size: A4; margin: 12mm; }
@media print {
  html { background: #fff; font-size: 10.5pt; }
  header.banner, footer, .skip, .toc { display: none; }
  main, main.handout { max-width: none; margin: 0; padding: 0; box-shadow: none; border-radius: 0; }
  main.handout h1 { font-size: 15pt; margin-bottom: .4rem; }
  main.handout h2 { font-size: 11.5pt; margin: .6rem 0 .2rem; }
  main.handout ol, main.handout ul { margin: 0; padding-left: 1.1rem; }
  main.handout .handout-grid { grid-template-columns: 1fr 1fr; }
  main.handout th, main.handout td { padding: .2rem .4rem; }
  a { color: inherit; text-decoration: none; }
}
`;
