// Small helpers the Blazor components call; everything else is MudBlazor's or Plotly's own script.
window.runDashboard = {
    setTheme: function (dark) {
        document.cookie = "rd-theme=" + (dark ? "dark" : "light") + "; path=/; max-age=31536000; SameSite=Lax";
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
