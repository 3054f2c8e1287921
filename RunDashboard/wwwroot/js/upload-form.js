// The upload form sends the chosen files straight from the browser to POST /api/uploads, the endpoint scripts use,
// instead of through the live connection: one multipart request, with the browser's own upload progress events.
// The page (Upload.razor) keeps the form's state and shows progress and the report; this module holds the File
// objects, which never leave the browser except in that request.

const forms = new WeakMap();

/** Starts keeping the files chosen in the form's file input (by picker or by drop), keyed by name and size. */
export function attach(root, dotnet) {
    const state = { files: [], xhr: null, dotnet };
    forms.set(root, state);
    const input = root.querySelector("input[type=file]");
    if (input) {
        const take = () => { for (const f of input.files) add(state, f); };
        input.addEventListener("change", take);
        take(); // chosen before this module was loaded
    }
}

function add(state, file) {
    if (!state.files.some(f => f.name === file.name && f.size === file.size)) state.files.push(file);
}

/** Forgets a file the person removed from the list. */
export function remove(root, name, size) {
    const state = forms.get(root);
    if (state) state.files = state.files.filter(f => !(f.name === name && f.size === size));
}

export function clear(root) {
    const state = forms.get(root);
    if (state) state.files = [];
}

/**
 * Sends the files the page lists (names and sizes, in its order) with the text fields. Returns null once the
 * request is under way, or why it could not start. Progress, the end of sending and the answer come back to the
 * page through its .NET object: Progress(loaded, total), Sent(), Finished(status), Failed(reason).
 */
export function send(root, url, chosen, fields) {
    const state = forms.get(root);
    if (!state) return "the form is not ready yet; try again in a moment";
    if (state.xhr) return "an upload is already under way";
    const form = new FormData();
    // The endpoint reads text fields wherever they are, but sending them first lets it refuse a bad one at once.
    for (const [name, value] of Object.entries(fields)) {
        if (value) form.append(name, value);
    }
    for (const c of chosen) {
        const file = state.files.find(f => f.name === c.name && f.size === c.size);
        if (!file) return `${c.name} is no longer available to the page; choose it again`;
        form.append("file", file, file.name);
    }
    const xhr = new XMLHttpRequest();
    state.xhr = xhr;
    let last = 0;
    xhr.upload.addEventListener("progress", e => {
        // A progress event can come every few milliseconds; ten updates a second are enough for a bar.
        const now = performance.now();
        if (e.lengthComputable && now - last >= 100) {
            last = now;
            state.dotnet.invokeMethodAsync("Progress", e.loaded, e.total);
        }
    });
    xhr.upload.addEventListener("load", () => state.dotnet.invokeMethodAsync("Sent"));
    xhr.addEventListener("load", () => {
        state.response = xhr.response;
        state.xhr = null;
        state.dotnet.invokeMethodAsync("Finished", xhr.status);
    });
    xhr.addEventListener("error", () => { state.xhr = null; state.dotnet.invokeMethodAsync("Failed", "the connection to the dashboard was lost"); });
    xhr.addEventListener("abort", () => { state.xhr = null; state.dotnet.invokeMethodAsync("Failed", "cancelled"); });
    xhr.open("POST", url);
    xhr.responseType = "blob";
    // A same-origin request: the browser adds the sign-in cookie, Origin and Sec-Fetch-Site: same-origin, which
    // is what the endpoint's same-origin check accepts; no token is ever handled by this script.
    xhr.send(form);
    return null;
}

/** Stops the upload under way; the endpoint sees the request end and keeps nothing of it. */
export function cancel(root) {
    const state = forms.get(root);
    if (state && state.xhr) state.xhr.abort();
}

/** The last answer's body, read by the page as a stream (it may be larger than one message of the connection). */
export function takeResponse(root) {
    const state = forms.get(root);
    const body = state && state.response ? state.response : new Blob([]);
    if (state) state.response = null;
    return body;
}
