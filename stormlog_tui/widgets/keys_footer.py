"""KeysFooter: Textual's ``Footer``, rebuilt only when the keys it shows change.

Textual's footer rebuilds its keys (a widget per key) whenever the screen's bindings may
have changed: at every focus change and every screen resume, once per notice. Opening the
job screen sent four notices, and the four rebuilds (6-10 ms each, and a repaint) ran
while the screen's first worker computed: they kept the event loop waiting for the GIL for
up to 60 ms at a time. This footer remembers what it showed and skips a rebuild that would
show the same keys.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.widgets import Footer


class KeysFooter(Footer):
    """A ``Footer`` that skips rebuilds showing the same keys."""

    def __init__(self) -> None:
        super().__init__()
        self._shown: Hashable = None

    def _keys(self) -> Hashable:
        """Everything the footer's keys are made of (what ``Footer.compose`` reads)."""
        app = self.app
        shown = tuple(
            (binding, enabled, tooltip, app.get_key_display(binding))
            for (_, binding, enabled, tooltip) in self.screen.active_bindings.values()
            if binding.show
        )
        return (
            getattr(self, "_bindings_ready", True),  # before, Footer composes no key
            shown,
            self.compact,
            self.show_command_palette,
            app.ENABLE_COMMAND_PALETTE,
            app.COMMAND_PALETTE_BINDING,
        )

    async def recompose(self) -> None:
        if not self.is_attached:
            return
        keys = self._keys()
        if keys == self._shown:
            return
        self._shown = keys
        await super().recompose()
