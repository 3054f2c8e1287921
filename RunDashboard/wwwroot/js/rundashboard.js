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
if (document.querySelector(".rd-chart")) {
    const base = document.baseURI;
    import(new URL("_content/Plotly.Blazor/plotly-interop-7.2.0.js", base).href)
        .then(m => m.importScript("plotly-import", "./_content/Plotly.Blazor/plotly-basic-3.7.0.min.js"))
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
