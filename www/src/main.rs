fn main() {
    yew::Renderer::<quorate_www::app::App>::new().render();
}
