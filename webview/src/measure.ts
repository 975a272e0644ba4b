/**
 * Text widths for layout in SVG, measured with a canvas in the theme's fonts (SVG has no
 * text wrapping, so the renderer truncates to what fits). Canvas measuring needs no layout
 * pass, so a long trace is measured without forcing the page to reflow per label.
 */
export type FontFamily = 'mono' | 'sans';

export interface TextStyle {
    family: FontFamily;
    size: number;
    weight?: number;
    italic?: boolean;
    /** letter-spacing in em. */
    spacing?: number;
}

export class TextMeasure {
    private readonly ctx: CanvasRenderingContext2D | null;
    private readonly families: Record<FontFamily, string>;
    private readonly cache = new Map<string, number>();

    constructor(doc: Document) {
        this.ctx = doc.createElement('canvas').getContext('2d');
        const cs = doc.defaultView?.getComputedStyle(doc.body);
        this.families = {
            mono: cs?.getPropertyValue('--vscode-editor-font-family').trim() || 'Menlo, Consolas, "DejaVu Sans Mono", monospace',
            sans: cs?.getPropertyValue('--vscode-font-family').trim() || 'system-ui, "Segoe UI", "DejaVu Sans", sans-serif',
        };
    }

    width(text: string, style: TextStyle): number {
        const key = `${style.family}|${style.size}|${style.weight ?? 400}|${style.italic ? 1 : 0}|${text}`;
        const hit = this.cache.get(key);
        if (hit !== undefined) return hit;
        let w: number;
        if (this.ctx) {
            this.ctx.font = `${style.italic ? 'italic ' : ''}${style.weight ?? 400} ${style.size}px ${this.families[style.family]}`;
            w = this.ctx.measureText(text).width;
        } else {
            // No canvas (should not happen in a browser): a generous average glyph width.
            w = text.length * style.size * (style.family === 'mono' ? 0.62 : 0.58);
        }
        w += (style.spacing ?? 0) * style.size * text.length;
        if (this.cache.size > 20_000) this.cache.clear();
        this.cache.set(key, w);
        return w;
    }

    /** `text`, cut with an ellipsis to fit `max` pixels. */
    fit(text: string, max: number, style: TextStyle): string {
        if (max <= 0) return '';
        if (this.width(text, style) <= max) return text;
        let lo = 0, hi = text.length;
        while (lo < hi) {
            const mid = (lo + hi + 1) >> 1;
            if (this.width(text.slice(0, mid) + '…', style) <= max) lo = mid; else hi = mid - 1;
        }
        return lo === 0 ? '' : text.slice(0, lo) + '…';
    }
}
