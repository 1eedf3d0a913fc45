// The window's inner size in CSS pixels and its device pixel ratio, for pages whose
// viewport Playwright does not know (a page attached over CDP or handed to from_page).
() => [window.innerWidth, window.innerHeight, window.devicePixelRatio]
