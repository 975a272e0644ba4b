/**
 * The panel's stylesheet, one source for two uses: injected into the page as a nonce'd
 * <style> (the CSP allows no inline styles without the nonce), and embedded in exported
 * SVG files with the theme variables resolved, so a saved diagram looks as it did.
 *
 * Every colour and font comes from VS Code's theme variables (light, dark and high
 * contrast alike); the fallbacks are VS Code's dark theme for a page outside VS Code.
 */
export const DIAGRAM_CSS = `
.knet-diagram { font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: 12px; fill: var(--vscode-editor-foreground, #cccccc); }
.knet-diagram text { fill: var(--vscode-editor-foreground, #cccccc); dominant-baseline: alphabetic; }
.knet-diagram .mono, .knet-diagram .mono text { font-family: var(--vscode-editor-font-family, Menlo, Consolas, monospace); }
.knet-diagram .muted { fill: var(--vscode-descriptionForeground, #9d9d9d); }
.knet-diagram .title { font-size: 14px; font-weight: 600; }
.knet-diagram .lane-band { fill: var(--lane-color); fill-opacity: 0.07; }
.knet-diagram .lane-line { stroke: var(--lane-color); stroke-opacity: 0.45; stroke-width: 1; }
.knet-diagram .lane-head rect { fill: var(--lane-color); fill-opacity: 0.18; stroke: var(--lane-color); stroke-opacity: 0.8; }
.knet-diagram .lane-head .lane-name { font-weight: 600; font-size: 11.5px; }
.knet-diagram .lane-head .lane-kind { font-size: 10.5px; fill: var(--vscode-descriptionForeground, #9d9d9d); }
.knet-diagram .lane-pod { --lane-color: var(--vscode-charts-blue, #3794ff); }
.knet-diagram .lane-node { --lane-color: var(--vscode-charts-purple, #b180d7); }
.knet-diagram .lane-network { --lane-color: var(--vscode-charts-yellow, #cca700); }
.knet-diagram .lane-host { --lane-color: var(--vscode-charts-green, #89d185); }
.knet-diagram .lane-outside { --lane-color: var(--vscode-descriptionForeground, #9d9d9d); }
.knet-diagram .connector { fill: none; stroke: var(--vscode-editor-foreground, #cccccc); stroke-opacity: 0.55; stroke-width: 1.5; }
.knet-diagram .connector.tunnel { stroke: var(--vscode-charts-purple, #b180d7); stroke-opacity: 0.55; stroke-width: 5; }
.knet-diagram .connector.lit { stroke-opacity: 1; stroke: var(--vscode-focusBorder, #007fd4); }
.knet-diagram .step { cursor: pointer; outline: none; }
.knet-diagram .row-bg { fill: transparent; }
.knet-diagram .row-bg.selected { fill: var(--vscode-list-inactiveSelectionBackground, #37373d); }
.knet-diagram .step .row-hit { fill: transparent; stroke: none; }
.knet-diagram .step:hover .row-hit { stroke: var(--vscode-list-hoverBackground, #2a2d2e); stroke-width: 2; }
.knet-diagram .step:focus .row-hit { stroke: var(--vscode-focusBorder, #007fd4); stroke-width: 1; }
.knet-diagram .step.future { opacity: 0.5; }
.knet-diagram .step .marker { fill: var(--lane-color); stroke: var(--lane-color); stroke-width: 1.5; }
.knet-diagram .step.generated .marker { fill: var(--vscode-editor-background, #1e1e1e); stroke-dasharray: 3 2; }
.knet-diagram .step.selected .marker { stroke: var(--vscode-focusBorder, #007fd4); stroke-width: 3; }
.knet-diagram .step .summary { font-size: 12.5px; }
.knet-diagram .step.generated .summary { font-style: italic; }
.knet-diagram .step .meta { font-size: 11.5px; fill: var(--vscode-descriptionForeground, #9d9d9d); }
.knet-diagram .kind-tag rect { fill: var(--kind-color); fill-opacity: 0.2; stroke: var(--kind-color); stroke-width: 1; }
.knet-diagram .kind-tag text { font-size: 10px; font-weight: 700; letter-spacing: 0.04em; fill: var(--vscode-editor-foreground, #cccccc); }
.knet-diagram .step.generated .kind-tag rect { stroke-dasharray: 3 2; fill-opacity: 0.08; }
.knet-diagram .k-resolve, .knet-diagram .k-originate { --kind-color: var(--vscode-editor-foreground, #cccccc); }
.knet-diagram .k-route { --kind-color: var(--vscode-charts-blue, #3794ff); }
.knet-diagram .k-nat { --kind-color: var(--vscode-charts-orange, #d18616); }
.knet-diagram .k-bridge, .knet-diagram .k-veth { --kind-color: var(--vscode-charts-green, #89d185); }
.knet-diagram .k-encap, .knet-diagram .k-decap { --kind-color: var(--vscode-charts-purple, #b180d7); }
.knet-diagram .k-transmit { --kind-color: var(--vscode-charts-yellow, #cca700); }
.knet-diagram .k-deliver { --kind-color: var(--vscode-testing-iconPassed, #73c991); }
.knet-diagram .k-drop { --kind-color: var(--vscode-errorForeground, #f48771); }
.knet-diagram .change rect { fill: var(--vscode-charts-orange, #d18616); fill-opacity: 0.28; stroke: var(--vscode-charts-orange, #d18616); }
.knet-diagram .change.minor rect { fill-opacity: 0.08; stroke-opacity: 0.5; }
.knet-diagram .change text { font-size: 11.5px; font-weight: 600; }
.knet-diagram .change.minor text { font-weight: 400; }
.knet-diagram .pkt > rect { fill: var(--vscode-editor-background, #1e1e1e); stroke: var(--vscode-descriptionForeground, #9d9d9d); stroke-opacity: 0.8; }
.knet-diagram .pkt.depth-1 > rect { stroke: var(--vscode-charts-purple, #b180d7); stroke-width: 1.5; }
.knet-diagram .pkt .hdr text { font-size: 10.5px; }
.knet-diagram .pkt .hdr line { stroke: var(--vscode-descriptionForeground, #9d9d9d); stroke-opacity: 0.6; }
.knet-diagram .pkt .hdr.hdr-vxlan text, .knet-diagram .pkt .hdr.hdr-gre text, .knet-diagram .pkt .hdr.hdr-flannel-udp text, .knet-diagram .pkt .hdr.hdr-udp.encap text { fill: var(--vscode-charts-purple, #b180d7); }
.knet-diagram .pkt .hdr.nat-changed text { fill: var(--vscode-charts-orange, #d18616); font-weight: 700; }
.knet-diagram .ending .badge { font-size: 13px; font-weight: 700; }
.knet-diagram .ending.success .badge, .knet-diagram .disp.success { fill: var(--vscode-testing-iconPassed, #73c991); }
.knet-diagram .ending.failure .badge, .knet-diagram .disp.failure { fill: var(--vscode-errorForeground, #f48771); }
.knet-diagram .ending.success .end-mark { fill: var(--vscode-testing-iconPassed, #73c991); }
.knet-diagram .ending.failure .end-mark { fill: var(--vscode-errorForeground, #f48771); }
.knet-diagram .ending .end-glyph { fill: var(--vscode-editor-background, #1e1e1e); font-weight: 700; font-size: 11px; }
.knet-diagram .divider line { stroke: var(--vscode-descriptionForeground, #9d9d9d); stroke-dasharray: 4 3; }
.knet-diagram .legend rect.declared { fill: var(--vscode-charts-purple, #b180d7); stroke: var(--vscode-charts-purple, #b180d7); }
.knet-diagram .legend rect.generated { fill: var(--vscode-editor-background, #1e1e1e); stroke: var(--vscode-charts-purple, #b180d7); stroke-dasharray: 3 2; }
.knet-diagram .legend rect.nat { fill: var(--vscode-charts-orange, #d18616); fill-opacity: 0.28; stroke: var(--vscode-charts-orange, #d18616); }
.knet-diagram .legend line.tunnel { stroke: var(--vscode-charts-purple, #b180d7); stroke-opacity: 0.55; stroke-width: 5; }
.knet-diagram .legend text { font-size: 11px; fill: var(--vscode-descriptionForeground, #9d9d9d); }
`;

/** The page around the diagram: toolbar, scrolling areas, the step's PDU view. */
export const PAGE_CSS = `
html, body { margin: 0; padding: 0; height: 100%; }
body { background: var(--vscode-editor-background, #1e1e1e); color: var(--vscode-editor-foreground, #cccccc);
  font-family: var(--vscode-font-family, system-ui, sans-serif); font-size: var(--vscode-font-size, 13px); overflow: hidden; }
#app { display: grid; grid-template-columns: minmax(0, 1fr); grid-template-rows: auto auto auto minmax(120px, 1fr) minmax(150px, 34%); height: 100vh; }
#app.no-trace { grid-template-rows: auto auto auto 1fr 0; }
@media (min-width: 1500px) {
  #app { grid-template-columns: minmax(0, 1fr) 520px; grid-template-rows: auto auto auto 1fr; }
  #toolbar, #status { grid-column: 1 / span 2; }
  #head, #diagram { grid-column: 1; }
  #details { grid-column: 2; grid-row: 3 / span 2; border-top: none; border-left: 1px solid var(--vscode-panel-border, #444); }
}
#head { overflow: hidden; }
@media (max-width: 759px) { #app { grid-template-rows: auto auto auto minmax(140px, 1fr) minmax(120px, 30%); } }
#head svg { display: block; }
#toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 6px; padding: 6px 10px; border-bottom: 1px solid var(--vscode-panel-border, #444); }
#toolbar button, #toolbar select { font: inherit; color: var(--vscode-button-secondaryForeground, #cccccc); background: var(--vscode-button-secondaryBackground, #3a3d41);
  border: 1px solid var(--vscode-button-border, transparent); border-radius: 2px; padding: 3px 9px; cursor: pointer; }
#toolbar button:hover { background: var(--vscode-button-secondaryHoverBackground, #45494e); }
#toolbar button:disabled { opacity: 0.45; cursor: default; }
#toolbar button:focus-visible, #toolbar select:focus-visible, #toolbar input:focus-visible, #details button:focus-visible { outline: 1px solid var(--vscode-focusBorder, #007fd4); outline-offset: 1px; }
#toolbar select { background: var(--vscode-dropdown-background, #3c3c3c); color: var(--vscode-dropdown-foreground, #cccccc); border-color: var(--vscode-dropdown-border, #3c3c3c); max-width: 420px; }
#toolbar label { display: inline-flex; align-items: center; gap: 4px; }
#toolbar .sep { width: 1px; align-self: stretch; background: var(--vscode-panel-border, #444); margin: 0 4px; }
#toolbar .counter { color: var(--vscode-descriptionForeground, #9d9d9d); min-width: 90px; font-variant-numeric: tabular-nums; }
#toolbar .spacer { flex: 1; }
#status { padding: 0 10px; min-height: 0; }
#status:not(:empty) { padding: 5px 10px; border-bottom: 1px solid var(--vscode-panel-border, #444); }
#status.stale { background: var(--vscode-inputValidation-warningBackground, #352a05); color: var(--vscode-editorWarning-foreground, #cca700); }
#status.error { background: var(--vscode-inputValidation-errorBackground, #5a1d1d); color: var(--vscode-errorForeground, #f48771); }
#status.info { color: var(--vscode-descriptionForeground, #9d9d9d); }
#diagram { overflow: auto; min-height: 0; outline: none; }
#diagram.stale svg { opacity: 0.55; }
#empty { padding: 24px; color: var(--vscode-descriptionForeground, #9d9d9d); }
#details { overflow: auto; min-height: 0; border-top: 1px solid var(--vscode-panel-border, #444); padding: 8px 12px 14px; }
#details h2 { font-size: 13px; margin: 2px 0 6px; font-weight: 600; }
#details h2 .kind { text-transform: uppercase; font-size: 11px; letter-spacing: 0.05em; color: var(--vscode-descriptionForeground, #9d9d9d); margin-right: 6px; }
#details .summary { font-family: var(--vscode-editor-font-family, monospace); margin: 0 0 6px; }
#details .generated-note { font-style: italic; color: var(--vscode-descriptionForeground, #9d9d9d); }
#details dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; }
#details dt { color: var(--vscode-descriptionForeground, #9d9d9d); }
#details dd { margin: 0; font-family: var(--vscode-editor-font-family, monospace); word-break: break-all; }
#details ul.rules { margin: 0 0 8px; padding-left: 18px; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
#details button.reveal { font: inherit; color: var(--vscode-textLink-foreground, #3794ff); background: none; border: none; padding: 0; cursor: pointer; text-decoration: underline; }
#details .chips { display: flex; flex-wrap: wrap; gap: 6px; margin: 0 0 8px; }
#details .chip { border: 1px solid var(--vscode-charts-orange, #d18616); border-radius: 3px; padding: 1px 6px; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; }
#details .chip.nat { background: color-mix(in srgb, var(--vscode-charts-orange, #d18616) 28%, transparent); font-weight: 600; }
.pdu { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-start; }
.pdu-col { flex: 1 1 300px; min-width: 0; }
.pdu-col h3 { font-size: 11px; text-transform: uppercase; letter-spacing: 0.05em; color: var(--vscode-descriptionForeground, #9d9d9d); margin: 4px 0; font-weight: 600; }
.pkt-box { border: 1px solid var(--vscode-descriptionForeground, #9d9d9d); border-radius: 4px; padding: 4px 6px 6px; margin-top: 4px; }
.pkt-box .pkt-caption { font-size: 11px; color: var(--vscode-descriptionForeground, #9d9d9d); margin-bottom: 2px; }
.pkt-box.depth-1, .pkt-box.depth-2 { border: 2px solid var(--vscode-charts-purple, #b180d7); background: color-mix(in srgb, var(--vscode-charts-purple, #b180d7) 6%, transparent); }
.hdr-box { border-left: 3px solid var(--vscode-descriptionForeground, #9d9d9d); padding: 2px 6px; margin: 3px 0; }
.hdr-box.hdr-vxlan, .hdr-box.hdr-gre, .hdr-box.hdr-flannel-udp { border-left-color: var(--vscode-charts-purple, #b180d7); }
.hdr-box.added { background: color-mix(in srgb, var(--vscode-charts-purple, #b180d7) 14%, transparent); }
.hdr-box.removed { opacity: 0.6; text-decoration: line-through; }
.hdr-box .hdr-name { font-weight: 600; font-size: 12px; margin-right: 8px; }
.hdr-box .field { display: inline-block; margin-right: 12px; font-family: var(--vscode-editor-font-family, monospace); font-size: 12px; white-space: nowrap; }
.hdr-box .field .k { color: var(--vscode-descriptionForeground, #9d9d9d); margin-right: 4px; font-family: var(--vscode-font-family, sans-serif); font-size: 11px; }
.hdr-box .field.changed { background: color-mix(in srgb, var(--vscode-charts-orange, #d18616) 30%, transparent); outline: 1px solid var(--vscode-charts-orange, #d18616); border-radius: 2px; padding: 0 3px; font-weight: 600; }
.pkt-len { font-size: 11px; color: var(--vscode-descriptionForeground, #9d9d9d); margin-top: 3px; }
body.vscode-high-contrast .hdr-box, body.vscode-high-contrast .pkt-box { border-color: var(--vscode-contrastBorder, #6fc3df); }
/* High contrast themes have no selection fills: outline the selected row, drop the lane tints. */
body.vscode-high-contrast .knet-diagram .row-bg.selected, body.vscode-high-contrast-light .knet-diagram .row-bg.selected {
  fill: none; stroke: var(--vscode-contrastActiveBorder, #f38518); stroke-width: 2; }
body.vscode-high-contrast .knet-diagram .lane-band, body.vscode-high-contrast-light .knet-diagram .lane-band { fill-opacity: 0; }
body.vscode-high-contrast .knet-diagram .lane-line, body.vscode-high-contrast-light .knet-diagram .lane-line { stroke-opacity: 1; }
`;
