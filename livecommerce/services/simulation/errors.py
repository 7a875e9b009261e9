"""Why a simulation cannot start or go on: one line each, with an exit status.

```
SimulationError               simulate: … (1)
├── NoShopSecretError         no shop secret to sign the orders with (2)
├── ServerUnreachableError    nothing answers at the address (6)
├── ChatNotOpenError          the show's chat takes no messages now (2)
└── SimulatorRefusedError     the server refused the simulator's tokens or connections (7)
```
"""

from __future__ import annotations

from livecommerce.core.messages import N_
from livecommerce.errors import LivecommerceError


class SimulationError(LivecommerceError):
    template = N_("simulate: {detail}")
    exit_code = 1


class NoShopSecretError(SimulationError):
    template = N_(
        "no shop secret is set, and the simulated shop signs its orders with one: give serve "
        "and simulate the same, e.g. --set shop_secrets demo-shop=SECRET"
    )
    exit_code = 2


class ServerUnreachableError(SimulationError):
    template = N_("cannot reach the server at {url}: is `livecommerce serve` running?")
    exit_code = 6


class ChatNotOpenError(SimulationError):
    template = N_(
        "the chat of show {show} is not open now: start the server with "
        "--set chat_opening_hours false, or simulate a live show"
    )
    exit_code = 2


class SimulatorRefusedError(SimulationError):
    template = N_(
        "the server refused the simulator ({code}): run simulate with the same settings "
        "(data_dir or secret) as serve, and enough connections_per_ip for every viewer"
    )
    exit_code = 7


class UnknownShopError(SimulationError):
    template = N_("there is no secret for shop {shop} in shop_secrets; the shops are {known}")
    exit_code = 2
