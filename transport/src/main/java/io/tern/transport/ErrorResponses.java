package io.tern.transport;

import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;

/**
 * The bodies of the transport's HTTP error answers: the Wings JSON envelope
 * {@code {"error":"…"}} and gorilla's plain-text handshake errors. Error paths only, so they may
 * allocate. IO thread.
 */
final class ErrorResponses
{
    static final String NOT_FOUND = "The requested resource does not exist on this instance.";
    static final String TOO_MANY_CONNECTIONS = "Too many open websocket connections.";

    private static final HttpString SEC_WEBSOCKET_VERSION = new HttpString("Sec-WebSocket-Version");

    private ErrorResponses()
    {
    }

    /**
     * Ends the exchange with {@code status} and {@code {"error":message}}.
     *
     * @param exchange the exchange.
     * @param status   HTTP status.
     * @param message  the error text, JSON-escaped here.
     */
    static void json(final HttpServerExchange exchange, final int status, final String message)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "application/json; charset=utf-8");
        exchange.getResponseSender().send(errorJson(message));
    }

    /**
     * Ends the exchange the way gorilla/websocket refuses a handshake: {@code "<Status Text>\n"} as
     * {@code text/plain} with {@code Sec-WebSocket-Version: 13}.
     *
     * @param exchange the exchange.
     * @param status   400 or 403.
     */
    static void handshake(final HttpServerExchange exchange, final int status)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders()
            .put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8")
            .put(Headers.X_CONTENT_TYPE_OPTIONS, "nosniff")
            .put(SEC_WEBSOCKET_VERSION, "13");
        exchange.getResponseSender().send(StatusCodes.getReason(status) + "\n");
    }

    /**
     * @param message any text.
     * @return {@code {"error":"<message>"}} with the message escaped as a JSON string.
     */
    static String errorJson(final String message)
    {
        final StringBuilder json = new StringBuilder(message.length() + 16).append("{\"error\":\"");
        for (int i = 0; i < message.length(); i++)
        {
            final char c = message.charAt(i);
            switch (c)
            {
                case '"':
                    json.append("\\\"");
                    break;
                case '\\':
                    json.append("\\\\");
                    break;
                case '\n':
                    json.append("\\n");
                    break;
                case '\r':
                    json.append("\\r");
                    break;
                case '\t':
                    json.append("\\t");
                    break;
                default:
                    if (c < 0x20)
                    {
                        json.append(String.format("\\u%04x", (int)c));
                    }
                    else
                    {
                        json.append(c);
                    }
            }
        }
        return json.append("\"}").toString();
    }
}
