package io.tern.transport;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.websockets.spi.AsyncWebSocketHttpServerExchange;

import java.util.Set;

/**
 * Undertow's handshake view of an upgrade request, corrected so the {@code 101} carries what
 * gorilla's does ({@code Upgrade: websocket}, {@code Connection: Upgrade},
 * {@code Sec-WebSocket-Accept}; the extension is negotiated by {@link UpgradeHandler}):
 * Undertow's legacy {@code Origin} echo and {@code Sec-WebSocket-Location} are left out, and a
 * {@code Sec-WebSocket-Version} token list that contains {@code 13} (gorilla's rule, already
 * checked) is shown as {@code 13} to Undertow, which only matches the exact value. IO thread.
 */
final class UpgradeExchange extends AsyncWebSocketHttpServerExchange
{
    /**
     * @param exchange the upgrade request.
     */
    UpgradeExchange(final HttpServerExchange exchange)
    {
        // Undertow's channel set is only used by its own WebSocketChannel, which Tern does not create.
        super(exchange, Set.of());
    }

    @Override
    public String getRequestHeader(final String name)
    {
        if (Headers.SEC_WEB_SOCKET_VERSION_STRING.equalsIgnoreCase(name))
        {
            return "13";
        }
        return super.getRequestHeader(name);
    }

    @Override
    public void setResponseHeader(final String name, final String value)
    {
        if (Headers.UPGRADE_STRING.equalsIgnoreCase(name))
        {
            super.setResponseHeader(name, "websocket");
        }
        else if (!Headers.ORIGIN_STRING.equalsIgnoreCase(name) && !Headers.SEC_WEB_SOCKET_LOCATION_STRING.equalsIgnoreCase(name))
        {
            super.setResponseHeader(name, value);
        }
    }
}
