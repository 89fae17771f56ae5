package io.tern.daemon.api;

import io.tern.daemon.json.JsonWriter;

import io.tern.daemon.Daemon;
import io.tern.daemon.config.ConfigException;
import io.tern.daemon.config.ConfigLoader;
import io.tern.daemon.config.ServerDefinition;
import io.tern.daemon.metrics.NodeMetrics;
import io.tern.daemon.server.ManagedServer;
import io.tern.daemon.token.TokenMinter;
import io.tern.daemon.web.WebConsole;
import io.tern.engine.Engine;
import io.tern.engine.server.PowerAction;
import io.tern.engine.server.ServerControl;
import io.tern.engine.server.ServerState;
import io.tern.engine.session.Session;
import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.Methods;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The bearer-protected REST routes a panel (or an operator) calls on the daemon: Wings' routes of
 * PROTOCOL.md §8 with their status codes and bodies, plus server creation, websocket token minting,
 * {@code /api/system} and {@code /metrics}. README.md "Admin API" lists every route. The built-in
 * web console's static pages ({@link WebConsole}) are answered first, without authentication.
 *
 * <p>A thin adapter: the IO thread matches the route (404 for an unknown path, 405 with
 * {@code Allow} for a wrong method), checks {@code Authorization: Bearer <node token>} in constant
 * time (401/403), finds the server (404), reads the body without blocking, then dispatches to an
 * HTTP worker thread, where the body is parsed completely and the route asks the {@link Daemon} or
 * the {@link Engine} to act. Every refusal is a 4xx with a JSON {@code error} saying what was wrong.
 */
public final class AdminApi implements HttpHandler
{
    static final String NOT_FOUND = "The requested resource does not exist on this instance.";
    static final String BAD_POWER_ACTION =
        "The power action provided was not valid, should be one of \"stop\", \"start\", \"restart\", \"kill\"";
    static final String SUSPENDED_START = "Cannot start or restart a server that is suspended.";
    static final String STOPPED_COMMANDS = "Cannot send commands to a stopped server instance.";
    static final String INSTALL_LOCKED = "Cannot execute server reinstall event while another power action is running.";
    static final String UNEXPECTED = "An unexpected error was encountered while processing this request";

    private static final Logger LOG = Logger.getLogger("tern.api");
    private static final String JSON = "application/json; charset=utf-8";
    private static final int MAX_BODY = 256 * 1024;
    private static final String TOO_LARGE = "The request body is larger than " + MAX_BODY + " bytes.";
    /** Wings' {@code wait_seconds} bounds: outside 0–300 it becomes 30. */
    private static final long MAX_POWER_WAIT_SECONDS = 300;
    private static final long DEFAULT_POWER_WAIT_SECONDS = 30;
    /** Lines {@code GET …/logs} returns by default and at most (Wings' cap). */
    private static final int MAX_LOG_LINES = 100;
    /** How long a route waits for the engine to hand its Close frames to the transport. */
    private static final long ENGINE_WAIT_SECONDS = 5;
    /** Lifetime of a token minted by {@code POST …/ws/token}: a panel's (PROTOCOL.md §3.1). */
    public static final Duration WEB_TOKEN_TTL = Duration.ofMinutes(10);

    private final Daemon daemon;
    private final Engine engine;
    private final byte[] nodeToken;
    private final NodeMetrics metrics;
    private final TokenMinter minter;
    private final WebConsole webConsole = new WebConsole();

    /**
     * @param daemon    the node: its servers and engine.
     * @param nodeToken the node token that authenticates requests and signs minted websocket tokens.
     * @param issuer    the {@code iss}/{@code aud} of minted websocket tokens.
     */
    public AdminApi(final Daemon daemon, final byte[] nodeToken, final String issuer)
    {
        this.daemon = daemon;
        this.engine = daemon.engine();
        this.nodeToken = nodeToken.clone();
        this.metrics = new NodeMetrics(engine);
        this.minter = new TokenMinter(nodeToken, issuer);
    }

    /**
     * Routes one request; IO thread, never blocks.
     */
    @Override
    public void handleRequest(final HttpServerExchange exchange)
    {
        if (webConsole.serves(exchange.getRequestPath()))
        {
            webConsole.handleRequest(exchange);
            return;
        }
        final Route.Match match = Route.match(exchange.getRequestPath());
        if (match == null)
        {
            error(exchange, 404, NOT_FOUND);
            return;
        }
        final Route route = match.route();
        if (!route.allows(exchange.getRequestMethod()))
        {
            exchange.getResponseHeaders().put(Headers.ALLOW, route.allow());
            error(exchange, 405, "Method " + exchange.getRequestMethod() + " is not allowed on this route; use " + route.allow() + ".");
            return;
        }
        if (!authorized(exchange))
        {
            return;
        }
        final ManagedServer server = match.uuid() == null ? null : daemon.server(match.uuid());
        if (match.uuid() != null && server == null)
        {
            error(exchange, 404, NOT_FOUND);
            return;
        }
        if (hasBody(route, exchange))
        {
            readBody(exchange, body -> exchange.dispatch(() -> respond(exchange, route, server, body)));
        }
        else
        {
            exchange.dispatch(() -> respond(exchange, route, server, null));
        }
    }

    private static boolean hasBody(final Route route, final HttpServerExchange exchange)
    {
        switch (route)
        {
            case SERVERS:
                return Methods.POST.equals(exchange.getRequestMethod());
            case DEAUTHORIZE_USER:
            case POWER:
            case COMMANDS:
            case SYNC:
            case WS_DENY:
                return true;
            default:
                return false;
        }
    }

    /** Runs a route on a worker thread and answers; no exception escapes. */
    private void respond(final HttpServerExchange exchange, final Route route, final ManagedServer server, final byte[] body)
    {
        try
        {
            switch (route)
            {
                case SYSTEM:
                    json(exchange, 200, SystemInfo.of(daemon.uptimeSeconds()));
                    break;
                case METRICS:
                    exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, NodeMetrics.CONTENT_TYPE);
                    exchange.getResponseSender().send(metrics.scrape());
                    break;
                case SERVERS:
                    if (body == null)
                    {
                        listServers(exchange);
                    }
                    else
                    {
                        createServer(exchange, JsonBody.parse(body));
                    }
                    break;
                case DEAUTHORIZE_USER:
                    deauthorizeUser(exchange, JsonBody.parse(body));
                    break;
                case SERVER:
                    if (Methods.DELETE.equals(exchange.getRequestMethod()))
                    {
                        deleteServer(exchange, server);
                    }
                    else
                    {
                        json(exchange, 200, ServerView.of(server));
                    }
                    break;
                case POWER:
                    power(exchange, server, JsonBody.parse(body));
                    break;
                case COMMANDS:
                    commands(exchange, server, JsonBody.parse(body));
                    break;
                case LOGS:
                    logs(exchange, server);
                    break;
                case SYNC:
                    sync(exchange, server, JsonBody.parse(body));
                    break;
                case INSTALL:
                    install(exchange, server, false);
                    break;
                case REINSTALL:
                    install(exchange, server, true);
                    break;
                case WS_DENY:
                    deny(exchange, body);
                    break;
                case WS_TOKEN:
                    mintToken(exchange, server);
                    break;
                default:
                    throw new IllegalStateException("no handler for route " + route);
            }
        }
        catch (final ApiError ex)
        {
            error(exchange, ex.status(), ex.getMessage());
        }
        catch (final RuntimeException ex)
        {
            LOG.log(Level.SEVERE, exchange.getRequestMethod() + " " + exchange.getRequestPath() + " failed", ex);
            error(exchange, 500, UNEXPECTED);
        }
    }

    private void listServers(final HttpServerExchange exchange)
    {
        final List<Object> views = new ArrayList<>();
        for (final ManagedServer server : daemon.servers())
        {
            views.add(ServerView.of(server));
        }
        json(exchange, 200, views);
    }

    /** {@code POST /api/servers}: the body is a {@code servers:} entry; 201 with the new server's view. */
    private void createServer(final HttpServerExchange exchange, final JsonBody body)
    {
        final ServerDefinition definition = definition(body, null);
        if (daemon.server(definition.uuid()) != null)
        {
            throw alreadyExists(definition.uuid());
        }
        final ManagedServer server;
        try
        {
            server = daemon.createServer(definition);
        }
        catch (final IllegalStateException ex)
        {
            throw alreadyExists(definition.uuid());
        }
        catch (final IOException ex)
        {
            throw new ApiError(500, ex.getMessage());
        }
        json(exchange, 201, ServerView.of(server));
    }

    private static ApiError alreadyExists(final String uuid)
    {
        return new ApiError(409, "A server with uuid " + uuid + " already exists on this node.");
    }

    /** {@code DELETE /api/servers/{uuid}}: PROTOCOL.md §7 deletion with Part I.3 item 4 closes. */
    private void deleteServer(final HttpServerExchange exchange, final ManagedServer server)
    {
        try
        {
            if (!daemon.deleteServer(server.uuid()))
            {
                throw new ApiError(404, NOT_FOUND);
            }
        }
        catch (final IOException ex)
        {
            throw new ApiError(500, ex.getMessage());
        }
        noContent(exchange);
    }

    /** {@code POST /api/servers/{uuid}/sync}: the body is the server's whole configuration, applied live. */
    private void sync(final HttpServerExchange exchange, final ManagedServer server, final JsonBody body)
    {
        final ServerDefinition definition = definition(body, server.uuid());
        if (!definition.uuid().equals(server.uuid()))
        {
            throw new ApiError(400, "uuid \"" + body.string("uuid") + "\" is not the uuid of the server in the path ("
                + server.uuid() + "); a server's uuid cannot change.");
        }
        try
        {
            if (!daemon.syncServer(definition))
            {
                throw new ApiError(404, NOT_FOUND);
            }
        }
        catch (final IOException ex)
        {
            throw new ApiError(500, ex.getMessage());
        }
        noContent(exchange);
    }

    private static ServerDefinition definition(final JsonBody body, final String defaultUuid)
    {
        try
        {
            return ConfigLoader.parseServerEntry("the request body", body.fields(), defaultUuid);
        }
        catch (final ConfigException ex)
        {
            throw new ApiError(400, ex.detail() + ".");
        }
    }

    /**
     * {@code POST /api/servers/{uuid}/power}: validated here and answered 202 at once; the action
     * runs in the background, waiting for the power lock up to {@code wait_seconds}
     * ({@link ManagedServer#power(PowerAction, ServerControl.PowerListener, Duration)} never blocks).
     */
    private void power(final HttpServerExchange exchange, final ManagedServer server, final JsonBody body)
    {
        final Object name = body.fields().get("action");
        final PowerAction action = name instanceof String ? PowerAction.fromWireName((String)name) : null;
        if (action == null)
        {
            throw new ApiError(422, BAD_POWER_ACTION);
        }
        long waitSeconds = body.wholeNumber("wait_seconds", 0);
        if (waitSeconds < 0 || waitSeconds > MAX_POWER_WAIT_SECONDS)
        {
            waitSeconds = DEFAULT_POWER_WAIT_SECONDS;
        }
        if ((action == PowerAction.START || action == PowerAction.RESTART) && server.isSuspended())
        {
            throw new ApiError(400, SUSPENDED_START);
        }
        final ServerControl.PowerResult result = server.power(action,
            detail -> LOG.warning("power action " + action.wireName() + " on server " + server.uuid() + " failed: " + detail),
            Duration.ofSeconds(waitSeconds));
        if (result != ServerControl.PowerResult.ACCEPTED)
        {
            // Wings answers 202 before it tries the action, so a refusal is only logged.
            LOG.warning("power action " + action.wireName() + " on server " + server.uuid() + " was refused: " + describe(result));
        }
        exchange.setStatusCode(202);
        exchange.endExchange();
    }

    private static String describe(final ServerControl.PowerResult result)
    {
        switch (result)
        {
            case LOCKED:
                return "another power action is currently being processed for this server";
            case INSTALLING:
                return "server is currently installing";
            case ALREADY_RUNNING:
                return "server is running";
            case SUSPENDED:
                return "server is currently in a suspended state";
            default:
                return result.name();
        }
    }

    /** {@code POST /api/servers/{uuid}/commands}: each command to stdin, in order (PROTOCOL.md §6.5 without permissions). */
    private static void commands(final HttpServerExchange exchange, final ManagedServer server, final JsonBody body)
    {
        final List<String> commands = body.stringList("commands");
        if (commands == null)
        {
            throw new ApiError(400, "commands is required: an array of strings.");
        }
        if (server.state() == ServerState.OFFLINE)
        {
            throw new ApiError(502, STOPPED_COMMANDS);
        }
        for (final String command : commands)
        {
            final ServerControl.CommandResult result = server.sendCommand(command);
            if (result != ServerControl.CommandResult.ACCEPTED)
            {
                LOG.warning("command for server " + server.uuid() + " was not delivered: the process is " +
                    (result == ServerControl.CommandResult.IGNORED ? "not started yet" : "not attached"));
            }
        }
        noContent(exchange);
    }

    /** {@code GET /api/servers/{uuid}/logs?size=N}: the last N (default and at most 100) console lines. */
    private static void logs(final HttpServerExchange exchange, final ManagedServer server)
    {
        final String size = exchange.getQueryParameters().containsKey("size")
            ? exchange.getQueryParameters().get("size").peekFirst()
            : null;
        int lines = MAX_LOG_LINES;
        if (size != null && !size.isEmpty())
        {
            final long requested;
            try
            {
                requested = Long.parseLong(size);
            }
            catch (final NumberFormatException ex)
            {
                throw new ApiError(400, "size must be a whole number of lines, not \"" + size + "\".");
            }
            if (requested > 0 && requested < MAX_LOG_LINES)
            {
                lines = (int)requested;
            }
        }
        final int keep = lines;
        final Deque<String> tail = new ArrayDeque<>(keep);
        server.replayHistory((utf8, offset, length) ->
        {
            if (tail.size() == keep)
            {
                tail.removeFirst();
            }
            tail.addLast(new String(utf8, offset, length, StandardCharsets.UTF_8));
        });
        json(exchange, 200, Map.of("data", new ArrayList<>(tail)));
    }

    /**
     * {@code POST /api/servers/{uuid}/install} and {@code /reinstall}: 202 while the script runs in the
     * background (PROTOCOL.md §7 events); 409 while a power action or another install runs, or for an
     * install (not a reinstall) of a server that is not offline.
     */
    private static void install(final HttpServerExchange exchange, final ManagedServer server, final boolean reinstall)
    {
        final ServerControl.PowerResult result = server.install(reinstall,
            detail -> LOG.warning((reinstall ? "reinstall" : "install") + " of server " + server.uuid() + " failed: " + detail));
        switch (result)
        {
            case ACCEPTED:
                exchange.setStatusCode(202);
                exchange.endExchange();
                break;
            case ALREADY_RUNNING:
                throw new ApiError(409, "Cannot install a server that is " + server.state().wireName()
                    + "; stop it first, or use /reinstall, which stops it.");
            default:
                throw new ApiError(409, INSTALL_LOCKED);
        }
    }

    /** {@code POST /api/servers/{uuid}/ws/deny}: each jti denied as of now (PROTOCOL.md §3.4); sockets stay open. */
    private void deny(final HttpServerExchange exchange, final byte[] body)
    {
        final List<String> jtis;
        try
        {
            jtis = JsonBody.parse(body).stringList("jtis");
        }
        catch (final ApiError ex)
        {
            throw badDenyBody();
        }
        if (jtis == null)
        {
            throw badDenyBody();
        }
        final long now = engine.clock().nanoTime();
        for (final String jti : jtis)
        {
            engine.denylist().denyJti(jti, now);
        }
        noContent(exchange);
    }

    /**
     * {@code POST /api/servers/{uuid}/ws/token}: a websocket JWT for this server as a panel issues one
     * to a root admin (PROTOCOL.md §3.1: admin permissions, 10 minutes, a fresh {@code jti} and
     * {@code user_uuid}), for the built-in web console. {@code iat} is the current second of the
     * daemon's clock, but never the boot second, which the boot rule refuses (PROTOCOL.md §3.4).
     * The body, if any, is ignored; the token is never logged.
     */
    private void mintToken(final HttpServerExchange exchange, final ManagedServer server)
    {
        final long now = Math.floorDiv(engine.clock().nanoTime(), 1_000_000_000L);
        final long issuedAt = Math.max(now, daemon.bootEpochSeconds() + 1);
        final String token = minter.mint(server.uuid(), UUID.randomUUID().toString(), TokenMinter.ADMIN, issuedAt, WEB_TOKEN_TTL);
        exchange.getResponseHeaders().put(Headers.CACHE_CONTROL, "no-store");
        final Map<String, Object> body = new LinkedHashMap<>();
        body.put("token", token);
        body.put("expires_at", issuedAt + WEB_TOKEN_TTL.toSeconds());
        json(exchange, 200, body);
    }

    private static ApiError badDenyBody()
    {
        return new ApiError(400, "The request body must be a JSON object with \"jtis\": an array of strings.");
    }

    /**
     * {@code POST /api/deauthorize-user}: for each listed known server, the server+user denylist entry
     * and Close 4401 for that user's sessions there; with no servers, Close 4401 for that user's
     * sessions on every server and no denylist entry. Other users' sessions stay open (Part I.3
     * item 4; Wings closes every socket). Answered once the Close frames are handed to the transport.
     */
    private void deauthorizeUser(final HttpServerExchange exchange, final JsonBody body)
    {
        // Pelican's panel wraps the fields in a "json" object (PROTOCOL.md §8); Wings would read that as an
        // empty request and disconnect every socket on the node. Tern reads the wrapped fields.
        final JsonBody request = body.fields().size() == 1 && body.fields().get("json") instanceof Map ? body.object("json") : body;
        final String user = request.string("user");
        if (user == null || user.isBlank())
        {
            throw new ApiError(400, "user is required: the uuid of the user to deauthorize.");
        }
        final List<String> listed = request.stringList("servers");
        final Set<String> servers = new HashSet<>();
        if (listed != null)
        {
            final long now = engine.clock().nanoTime();
            for (final String uuid : listed)
            {
                if (engine.server(uuid) != null)
                {
                    engine.denylist().denyUser(uuid, user, now);
                    servers.add(uuid);
                }
            }
        }
        final boolean everyServer = listed == null || listed.isEmpty();
        if (everyServer || !servers.isEmpty())
        {
            final Predicate<Session> usersSessions = session -> session.token != null
                && user.equals(session.token.userUuid())
                && (everyServer || servers.contains(session.server().uuid()));
            await(engine.closeSessionsWhere(usersSessions, 4401, "user deauthorized"));
        }
        noContent(exchange);
    }

    private static void await(final Future<?> done)
    {
        try
        {
            done.get(ENGINE_WAIT_SECONDS, TimeUnit.SECONDS);
        }
        catch (final InterruptedException ex)
        {
            Thread.currentThread().interrupt();
            throw new ApiError(503, "The daemon is shutting down.");
        }
        catch (final ExecutionException | TimeoutException ex)
        {
            throw new IllegalStateException("the websocket engine did not close the sessions: " + ex, ex);
        }
    }

    /**
     * Checks {@code Authorization: Bearer <node token>} in constant time, answering 401/403 itself.
     *
     * @return true when the request may proceed.
     */
    private boolean authorized(final HttpServerExchange exchange)
    {
        final String header = exchange.getRequestHeaders().getFirst(Headers.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7))
        {
            exchange.getResponseHeaders().put(Headers.WWW_AUTHENTICATE, "Bearer");
            error(exchange, 401, "The required authorization heads were not present in the request.");
            return false;
        }
        final byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(presented, nodeToken))
        {
            error(exchange, 403, "You are not authorized to access this endpoint.");
            return false;
        }
        return true;
    }

    /**
     * Reads the whole body on the IO thread without blocking. A body over {@link #MAX_BODY} is answered
     * 413 as soon as it is known to be too large (from {@code Content-Length}, or while a chunked body
     * arrives: Undertow's entity limit does not apply to chunked bodies once the request is parsed).
     */
    private static void readBody(final HttpServerExchange exchange, final Consumer<byte[]> then)
    {
        if (exchange.getRequestContentLength() > MAX_BODY)
        {
            error(exchange, 413, TOO_LARGE);
            return;
        }
        final ByteArrayOutputStream received = new ByteArrayOutputStream();
        exchange.getRequestReceiver().receivePartialBytes(
            (ex, chunk, last) ->
            {
                if (ex.isResponseStarted())
                {
                    return;
                }
                if (received.size() + chunk.length > MAX_BODY)
                {
                    error(ex, 413, TOO_LARGE);
                    return;
                }
                received.write(chunk, 0, chunk.length);
                if (last)
                {
                    then.accept(received.toByteArray());
                }
            },
            (ex, failure) ->
            {
                if (!ex.isResponseStarted())
                {
                    error(ex, 400, "The request body could not be read: " + failure.getMessage());
                }
            });
    }

    private static void json(final HttpServerExchange exchange, final int status, final Object body)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON);
        exchange.getResponseSender().send(JsonWriter.write(body));
    }

    private static void noContent(final HttpServerExchange exchange)
    {
        exchange.setStatusCode(204);
        exchange.endExchange();
    }

    /**
     * Answers with {@code {"error":"<message>"}}.
     *
     * @param exchange the exchange.
     * @param status   HTTP status.
     * @param message  what was wrong, for the caller.
     */
    public static void error(final HttpServerExchange exchange, final int status, final String message)
    {
        exchange.setStatusCode(status);
        exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, JSON);
        exchange.getResponseSender().send(JsonWriter.error(message));
    }
}
