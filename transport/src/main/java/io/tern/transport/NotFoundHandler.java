package io.tern.transport;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.StatusCodes;

/**
 * Answers 404 with Wings' body {@code {"error":"The requested resource does not exist on this instance."}}.
 * The transport uses it for unknown routes and unknown server uuids; the daemon can end its own
 * routing with it so every miss looks the same. Non-blocking, IO thread.
 */
public final class NotFoundHandler implements HttpHandler
{
    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        ErrorResponses.json(exchange, StatusCodes.NOT_FOUND, ErrorResponses.NOT_FOUND);
    }
}
