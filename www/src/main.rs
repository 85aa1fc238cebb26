fn main() {
    let document = gloo::utils::document();
    // The player keeps its shell, which may show a lesson's introduction already, until it draws
    // more than that shell (embed.rs): it draws in a box of its own after the shell (Yew empties the
    // element it draws in), a box that takes no room (`display: contents`).
    if quorate_www::embed::is_embed() {
        if let (Ok(root), Some(body)) = (document.create_element("div"), document.body()) {
            root.set_class_name("app-root");
            if body.append_child(&root).is_ok() {
                yew::Renderer::<quorate_www::app::App>::with_root(root).render();
                return;
            }
        }
    }
    // The static shell (index.html) painted the page before the wasm arrived; the app draws the same
    // boxes from here on, in the same task, so the browser never paints an empty page in between.
    // That task is a later one than the wasm's start: at a phone's speed the two together block the
    // page for longer than a tap may wait (most of it compiling the code as it first runs).
    gloo::timers::callback::Timeout::new(0, move || {
        if let Some(shell) = document.get_element_by_id("shell") {
            shell.remove();
        }
        yew::Renderer::<quorate_www::app::App>::new().render();
    })
    .forget();
}
