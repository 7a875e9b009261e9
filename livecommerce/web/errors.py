"""HTTP errors a handler raises; the error middleware renders them once.

    raise ApiError(404, "unknown_stream", N_("There is no such stream."))
    raise ApiError(404, "unknown_product", N_("There is no product {sku}."), sku=sku)
    raise ApiError(503, "store_unavailable", headers={"Retry-After": "5"})

The message is translated in the reader's locale when it is rendered (by
`livecommerce.web.middlewares.error_middleware`): JSON `{"error": {"code", "message",
...fields}}` for the API, the error page for people.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Protocol

from livecommerce.core.messages import Text
from livecommerce.i18n import Localizer


class Translatable(Protocol):
    """An error that words itself in the language of a `gettext` (a LivecommerceError)."""

    def message(self, gettext: Callable[[str], str]) -> str: ...


# A template marked with N_ (its parameters given to ApiError), a core sentence, or an
# error that words itself.
Message = str | Text | Translatable


class ApiError(Exception):
    """An HTTP error: its `status`, the stable `code` a client checks (the status's own
    when None), its sentence (the status's own when None), the extra JSON `fields` (the
    API only) and `headers` (Retry-After, say)."""

    def __init__(
        self,
        status: int,
        code: str | None = None,
        template: Message | None = None,
        /,
        *,
        fields: Mapping[str, object] | None = None,
        headers: Mapping[str, str] | None = None,
        **params: object,
    ) -> None:
        super().__init__(status, code)
        self.status = status
        self.code = code
        self.template = template
        self.params = params
        self.fields = dict(fields or {})
        self.headers = dict(headers or {})

    def message(self, l10n: Localizer) -> str | None:
        """The sentence in the reader's language, or None for the status's own."""
        template = self.template
        if template is None:
            return None
        if isinstance(template, Text):
            return l10n.render(template.template, template.params)
        if isinstance(template, str):
            return l10n.render(template, self.params) if self.params else l10n.gettext(template)
        return template.message(l10n.gettext)
