fn main() {
    // The static shell (index.html) painted the page before the wasm arrived; the app draws the same
    // boxes from here on, in the same task, so the browser never paints an empty page in between.
    if let Some(shell) = gloo::utils::document().get_element_by_id("shell") {
        shell.remove();
    }
    yew::Renderer::<quorate_www::app::App>::new().render();
}
