// Small helpers the Blazor components call; everything else is MudBlazor's or Plotly's own script.
window.runDashboard = {
    setTheme: function (dark) {
        document.cookie = "rd-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; SameSite=Lax";
    },
    scrollToId: function (id) {
        const el = document.getElementById(id);
        if (el) el.scrollIntoView({ block: "start", behavior: "instant" });
    },
    copyText: async function (text) {
        try { await navigator.clipboard.writeText(text); return true; }
        catch (e) {
            // Clipboard API needs a secure context; plain http on a lab server falls back to a hidden textarea.
            const area = document.createElement("textarea");
            area.value = text; document.body.appendChild(area); area.select();
            const ok = document.execCommand("copy"); area.remove(); return ok;
        }
    }
};

// Charts wait for Plotly, which Plotly.Blazor only starts loading once the live connection is up. Starting it
// while the connection is made saves ~400 ms before the first chart: Plotly.Blazor's module (same URL, so the
// same module instance) finds the script by its id and reuses it. Names match Plotly.Blazor 7.2.0.
//
// The first chart of a prerendered page also carries its figure (LineChart's <script type="application/json"
// data-figure-for="id">), drawn here as soon as Plotly has loaded, a second or more before the live connection
// could draw it. When the live page replaces the prerendered elements, the figure is drawn again into the new
// element from the MutationObserver callback, which runs before the browser paints, so the chart never blinks
// out; Plotly.Blazor's own newPlot then draws the live chart over it and owns it from there.
const initialFigures = new Map();
for (const script of document.querySelectorAll('script[type="application/json"][data-figure-for]')) {
    try { initialFigures.set(script.dataset.figureFor, JSON.parse(script.textContent)); }
    catch { /* the live chart draws it */ }
}
const initialPath = location.pathname;
const figureObserver = new MutationObserver(() => drawInitialFigures());
function drawInitialFigures() {
    // A figure belongs to the page it came with: after a move to another page an element of the same id is another chart.
    if (location.pathname !== initialPath) initialFigures.clear();
    if (window.Plotly) {
        for (const [id, figure] of initialFigures) {
            const el = document.getElementById(id);
            // A drawn element is either this figure already or the live chart: never draw over it.
            if (el && !el.classList.contains("js-plotly-plot")) window.Plotly.newPlot(el, figure.data, figure.layout, figure.config);
        }
        // Once the live page is here (MainLayout's marker), its elements are drawn and Plotly.Blazor takes over.
        if (document.getElementById("rd-interactive")) initialFigures.clear();
    }
    if (initialFigures.size === 0) figureObserver.disconnect();
}
if (initialFigures.size > 0) figureObserver.observe(document.body, { childList: true, subtree: true });

if (document.querySelector(".rd-chart")) {
    const base = document.baseURI;
    import(new URL("_content/Plotly.Blazor/plotly-interop-7.2.0.js", base).href)
        .then(m => m.importScript("plotly-import", "./_content/Plotly.Blazor/plotly-basic-3.7.0.min.js"))
        .then(drawInitialFigures)
        .catch(() => { /* Plotly.Blazor loads it itself */ });
}

// Skip links move the keyboard focus, not only the scroll position: the next Tab continues from their target.
// (With <base href="/">, a bare "#id" link would otherwise navigate to the root page.)
document.addEventListener("click", e => {
    const link = e.target.closest && e.target.closest("a.rd-skip-link, a.rd-skip-local");
    if (!link) return;
    // data-into names a part of the target to land in (the rows of a table, past its header controls).
    const outer = document.getElementById(link.getAttribute("href").slice(1));
    const target = outer && link.dataset.into ? outer.querySelector(link.dataset.into) || outer : outer;
    if (!target) return;
    e.preventDefault();
    e.stopPropagation();
    if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
    target.focus();
    target.scrollIntoView({ block: "start" });
}, true);
