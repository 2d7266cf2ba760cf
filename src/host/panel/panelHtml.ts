/**
 * The review panel's page: a strict Content-Security-Policy (nothing by
 * default; scripts only with this load's nonce; styles, images and fonts only
 * from the webview's own resource origin, which serves dist/, media/ and the
 * dataset folder), one script and one stylesheet. No 'vscode' import, so the
 * component tests serve exactly this page in a plain browser.
 */
export interface PanelPage {
  /** webview.cspSource: the origin local resources are served from. */
  cspSource: string;
  nonce: string;
  script: string;
  style: string;
}

export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  return [
    "default-src 'none'",
    // Lit and vscode-elements style their shadow roots with constructed stylesheets, which this allows without
    // 'unsafe-inline'.
    `style-src ${cspSource}`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
  ].join('; ');
}

export function panelHtml(page: PanelPage): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${contentSecurityPolicy(page.cspSource, page.nonce)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link href="${page.style}" rel="stylesheet">
<title>Influence Lens</title>
</head>
<body>
<main id="app"><p>Loading…</p></main>
<script nonce="${page.nonce}" src="${page.script}"></script>
</body>
</html>`;
}
