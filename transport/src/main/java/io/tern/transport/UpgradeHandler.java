package io.tern.transport;

import io.tern.engine.Engine;
import io.tern.engine.auth.TokenException;
import io.tern.engine.auth.VerifiedToken;
import io.tern.engine.server.ServerHandle;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.HeaderMap;
import io.undertow.util.HeaderValues;
import io.undertow.util.Headers;
import io.undertow.util.HttpString;
import io.undertow.util.StatusCodes;
import io.undertow.websockets.core.protocol.Handshake;
import io.undertow.websockets.core.protocol.version13.Hybi13Handshake;

import java.util.Base64;
import java.util.Deque;
import java.util.Set;

/**
 * {@code GET /api/servers/{uuid}/ws}: the pre-upgrade checks of PROTOCOL.md §1.2 (Pelican order),
 * the token presented at the upgrade (Part I.2), then Undertow's RFC 6455 handshake; the
 * upgraded socket is framed by {@link Connection} and {@link FrameReader}.
 *
 * <p>Order: unknown uuid → 404; connection cap → 400 (the slot is reserved here, atomically);
 * {@code Connection}/{@code Upgrade}/{@code Sec-WebSocket-Version} → 400; Origin → 403;
 * {@code Sec-WebSocket-Key} → 400; a token ({@code ?token=} first, else
 * {@code Authorization: Bearer}) that fails verification → 401 {@code {"error":"<reason>"}}.
 * Every refusal carries {@code Content-Security-Policy: default-src 'self'} and
 * {@code X-Frame-Options: DENY} besides the CORS headers; the {@code 101} carries none of them, as
 * with gorilla. A refusal gives the reserved slot back before it returns.
 *
 * <p>IO thread; allocates per upgrade (token verification, the handshake), never per frame.
 */
final class UpgradeHandler
{
    private static final HttpString CONTENT_SECURITY_POLICY = new HttpString("Content-Security-Policy");
    private static final HttpString X_FRAME_OPTIONS = new HttpString("X-Frame-Options");
    private static final String BEARER = "Bearer ";

    private final Engine engine;
    private final OriginPolicy origins;
    /**
     * The exact {@code Sec-WebSocket-Extensions} value of a {@code 101} that accepts
     * permessage-deflate: gorilla's, no context takeover in either direction (PROTOCOL.md §1.2 item 6).
     */
    static final String DEFLATE_RESPONSE = "permessage-deflate; server_no_context_takeover; client_no_context_takeover";
    private static final String DEFLATE = "permessage-deflate";

    private final Handshake handshake = new Hybi13Handshake();
    private final boolean compression;
    private final Set<Connection> openConnections;
    private final int sendBuffer;

    /**
     * @param engine          the engine that owns the servers and sessions.
     * @param origins         the Origin policy.
     * @param compression     whether permessage-deflate is offered.
     * @param openConnections where open websockets are tracked.
     * @param sendBuffer      SO_SNDBUF of each upgraded socket, 0 for the kernel's default.
     */
    UpgradeHandler(
        final Engine engine, final OriginPolicy origins, final boolean compression, final Set<Connection> openConnections,
        final int sendBuffer)
    {
        this.sendBuffer = sendBuffer;
        this.engine = engine;
        this.origins = origins;
        this.openConnections = openConnections;
        this.compression = compression;
    }

    /**
     * Answers an upgrade request for server {@code uuid}.
     *
     * @param exchange the request (CORS headers already set).
     * @param uuid     the {@code {uuid}} path segment.
     */
    void handle(final HttpServerExchange exchange, final String uuid)
    {
        final HeaderMap responseHeaders = exchange.getResponseHeaders();
        responseHeaders.put(CONTENT_SECURITY_POLICY, "default-src 'self'");
        responseHeaders.put(X_FRAME_OPTIONS, "DENY");
        final ServerHandle server = engine.server(uuid);
        if (server == null)
        {
            ErrorResponses.json(exchange, StatusCodes.NOT_FOUND, ErrorResponses.NOT_FOUND);
            return;
        }
        if (!server.tryReserveConnection())
        {
            ErrorResponses.json(exchange, StatusCodes.BAD_REQUEST, ErrorResponses.TOO_MANY_CONNECTIONS);
            return;
        }
        final PendingUpgrade pending = new PendingUpgrade(engine, server, openConnections, sendBuffer);
        try
        {
            if (check(exchange, uuid, pending))
            {
                OriginPolicy.removeCors(exchange);
                responseHeaders.remove(CONTENT_SECURITY_POLICY);
                responseHeaders.remove(X_FRAME_OPTIONS);
                if (compression && offersDeflate(exchange.getRequestHeaders().get(Headers.SEC_WEB_SOCKET_EXTENSIONS)))
                {
                    responseHeaders.put(Headers.SEC_WEB_SOCKET_EXTENSIONS, DEFLATE_RESPONSE);
                }
                exchange.getConnection().addCloseListener(pending);
                exchange.upgradeChannel(pending);
                handshake.handshake(pending.facade());
            }
        }
        catch (final RuntimeException ex)
        {
            pending.cancel();
            throw ex;
        }
    }

    /**
     * Runs the checks after the connection cap. A refusal gives the slot back before answering,
     * so a client that retries at once finds it free.
     *
     * @return true when the upgrade may go ahead ({@code pending} then knows the token and facade).
     */
    private boolean check(final HttpServerExchange exchange, final String uuid, final PendingUpgrade pending)
    {
        final HeaderMap request = exchange.getRequestHeaders();
        if (!containsToken(request.get(Headers.CONNECTION), "upgrade")
            || !containsToken(request.get(Headers.UPGRADE), "websocket")
            || !containsToken(request.get(Headers.SEC_WEB_SOCKET_VERSION), "13"))
        {
            pending.cancel();
            ErrorResponses.handshake(exchange, StatusCodes.BAD_REQUEST);
            return false;
        }
        if (!origins.allowsWebsocket(exchange))
        {
            pending.cancel();
            ErrorResponses.handshake(exchange, StatusCodes.FORBIDDEN);
            return false;
        }
        if (!isChallengeKey(request.getFirst(Headers.SEC_WEB_SOCKET_KEY)))
        {
            pending.cancel();
            ErrorResponses.handshake(exchange, StatusCodes.BAD_REQUEST);
            return false;
        }
        final String jwt = presentedToken(exchange);
        VerifiedToken token = null;
        if (jwt != null)
        {
            try
            {
                token = engine.verifyUpgradeToken(uuid, jwt);
            }
            catch (final TokenException ex)
            {
                pending.cancel();
                exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
                ErrorResponses.json(exchange, StatusCodes.UNAUTHORIZED, ex.getMessage());
                return false;
            }
        }
        final UpgradeExchange facade = new UpgradeExchange(exchange);
        if (!handshake.matches(facade))
        {
            pending.cancel();
            ErrorResponses.handshake(exchange, StatusCodes.BAD_REQUEST);
            return false;
        }
        pending.accept(token, facade);
        return true;
    }

    /**
     * @return the token of {@code ?token=} or of {@code Authorization: Bearer}, or {@code null}
     * when the request presents none.
     */
    private static String presentedToken(final HttpServerExchange exchange)
    {
        final Deque<String> query = exchange.getQueryParameters().get("token");
        if (query != null && !query.isEmpty())
        {
            return query.peekFirst();
        }
        final String authorization = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length()))
        {
            return authorization.substring(BEARER.length()).trim();
        }
        return null;
    }

    /**
     * Negotiates permessage-deflate as gorilla does: an offer of it, whatever its parameters, is
     * accepted, and the answer is always {@link #DEFLATE_RESPONSE}. Tern's framing applies it
     * ({@link Connection}, {@link FrameReader}); Undertow's extension functions are not used.
     *
     * @return whether some comma-separated extension of some header line is {@code permessage-deflate}.
     */
    private static boolean offersDeflate(final HeaderValues values)
    {
        if (values == null)
        {
            return false;
        }
        for (final String value : values)
        {
            for (final String extension : value.split(","))
            {
                final int parameters = extension.indexOf(';');
                if ((parameters < 0 ? extension : extension.substring(0, parameters)).trim().equals(DEFLATE))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * gorilla's {@code tokenListContainsValue}: some comma-separated token of some header line
     * equals {@code token}, ignoring case.
     */
    private static boolean containsToken(final HeaderValues values, final String token)
    {
        if (values == null)
        {
            return false;
        }
        for (final String value : values)
        {
            for (final String part : value.split(","))
            {
                if (part.trim().equalsIgnoreCase(token))
                {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * @return whether {@code key} is the base64 of 16 bytes, as RFC 6455 requires.
     */
    private static boolean isChallengeKey(final String key)
    {
        if (key == null || key.isEmpty())
        {
            return false;
        }
        try
        {
            return Base64.getDecoder().decode(key).length == 16;
        }
        catch (final IllegalArgumentException ex)
        {
            return false;
        }
    }
}
