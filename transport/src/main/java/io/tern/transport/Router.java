package io.tern.transport;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Methods;
import io.undertow.util.StatusCodes;

/**
 * The root handler, in Wings' middleware order: CORS headers on every response, {@code OPTIONS}
 * answered 204 on any path, {@code GET /api/servers/{uuid}/ws} to the {@link UpgradeHandler},
 * everything else to the daemon's fallback (404 JSON by default). IO thread, non-blocking.
 */
final class Router implements HttpHandler
{
    private static final String PREFIX = "/api/servers/";
    private static final String SUFFIX = "/ws";

    private final OriginPolicy origins;
    private final UpgradeHandler upgrades;
    private final HttpHandler fallback;

    /**
     * @param origins  the CORS and Origin policy.
     * @param upgrades the websocket route.
     * @param fallback every other route.
     */
    Router(final OriginPolicy origins, final UpgradeHandler upgrades, final HttpHandler fallback)
    {
        this.origins = origins;
        this.upgrades = upgrades;
        this.fallback = fallback;
    }

    @Override
    public void handleRequest(final HttpServerExchange exchange) throws Exception
    {
        origins.applyCors(exchange);
        if (exchange.getRequestMethod().equals(Methods.OPTIONS))
        {
            exchange.setStatusCode(StatusCodes.NO_CONTENT);
            exchange.endExchange();
            return;
        }
        if (exchange.getRequestMethod().equals(Methods.GET))
        {
            final String uuid = websocketServer(exchange.getRequestPath());
            if (uuid != null)
            {
                upgrades.handle(exchange, uuid);
                return;
            }
        }
        fallback.handleRequest(exchange);
    }

    /**
     * @return the {@code {uuid}} of {@code /api/servers/{uuid}/ws}, or {@code null} for any other path.
     */
    static String websocketServer(final String path)
    {
        final int end = path.length() - SUFFIX.length();
        if (end <= PREFIX.length() || !path.startsWith(PREFIX) || !path.endsWith(SUFFIX) || path.indexOf('/', PREFIX.length()) != end)
        {
            return null;
        }
        return path.substring(PREFIX.length(), end);
    }
}
