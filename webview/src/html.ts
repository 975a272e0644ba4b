/**
 * The trace panel's HTML, built by the extension (client/src/trace-panel.ts) for each render
 * with a fresh nonce, and by the browser tests' stand-in host, so both serve the same page
 * under the same Content-Security-Policy: scripts only with the nonce, styles only from the
 * extension's own resources or with the nonce (the page injects its stylesheet that way),
 * images and fonts only from its resources, nothing remote, no 'unsafe-inline'.
 */
export interface PanelHtmlOptions {
    /** `webview.cspSource`: the origin VS Code serves local resources from. */
    cspSource: string;
    /** `webview.asWebviewUri(dist/webview.js)`. */
    scriptUri: string;
    /** Fresh per render: 128 random bits, base64. */
    nonce: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
    return `default-src 'none'; script-src 'nonce-${nonce}'; style-src ${cspSource} 'nonce-${nonce}'; `
        + `img-src ${cspSource} data:; font-src ${cspSource}`;
}

const ATTR_ESCAPES: Record<string, string> = { '&': '&amp;', '"': '&quot;', '<': '&lt;', '>': '&gt;', "'": '&#39;' };
const attr = (s: string) => s.replace(/[&"<>']/g, c => ATTR_ESCAPES[c]);

export function panelHtml(o: PanelHtmlOptions): string {
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${attr(contentSecurityPolicy(o.cspSource, o.nonce))}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Packet Trace</title>
</head>
<body>
<script nonce="${attr(o.nonce)}" src="${attr(o.scriptUri)}"></script>
</body>
</html>`;
}
