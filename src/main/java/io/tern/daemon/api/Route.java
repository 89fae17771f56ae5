package io.tern.daemon.api;

import io.undertow.util.HttpString;
import io.undertow.util.Methods;

import java.util.List;

/**
 * The admin API's routes and the methods each one answers. {@link #match(String)} turns a request
 * path into a route and its {@code {uuid}} without regular expressions; any other path is a 404.
 */
enum Route
{
    SYSTEM(Methods.GET),
    METRICS(Methods.GET),
    SERVERS(Methods.GET, Methods.POST),
    DEAUTHORIZE_USER(Methods.POST),
    SERVER(Methods.GET, Methods.DELETE),
    POWER(Methods.POST),
    COMMANDS(Methods.POST),
    LOGS(Methods.GET),
    SYNC(Methods.POST),
    INSTALL(Methods.POST),
    REINSTALL(Methods.POST),
    WS_DENY(Methods.POST),
    /** Mints a websocket token for the built-in web console. */
    WS_TOKEN(Methods.POST),
    /** The websocket itself; the transport serves {@code GET}, so only other methods arrive here. */
    WEBSOCKET(Methods.GET);

    private static final String SERVERS_PREFIX = "/api/servers/";

    private final List<HttpString> methods;
    private final String allow;

    Route(final HttpString... methods)
    {
        this.methods = List.of(methods);
        this.allow = String.join(", ", this.methods.stream().map(HttpString::toString).toList());
    }

    /**
     * @param method a request method.
     * @return whether this route answers it.
     */
    boolean allows(final HttpString method)
    {
        return methods.contains(method);
    }

    /**
     * @return the {@code Allow} header value, e.g. {@code GET, POST}.
     */
    String allow()
    {
        return allow;
    }

    /**
     * A matched request path.
     *
     * @param route the route.
     * @param uuid  the {@code {uuid}} segment for per-server routes, else {@code null}.
     */
    record Match(Route route, String uuid)
    {
    }

    /**
     * @param path the request path, without the query string.
     * @return the route, or {@code null} when no route has this path.
     */
    static Match match(final String path)
    {
        switch (path)
        {
            case "/api/system":
                return new Match(SYSTEM, null);
            case "/metrics":
                return new Match(METRICS, null);
            case "/api/servers":
                return new Match(SERVERS, null);
            case "/api/deauthorize-user":
                return new Match(DEAUTHORIZE_USER, null);
            default:
                break;
        }
        if (!path.startsWith(SERVERS_PREFIX))
        {
            return null;
        }
        final int uuidEnd = path.indexOf('/', SERVERS_PREFIX.length());
        final String uuid = path.substring(SERVERS_PREFIX.length(), uuidEnd < 0 ? path.length() : uuidEnd);
        if (uuid.isEmpty())
        {
            return null;
        }
        if (uuidEnd < 0)
        {
            return new Match(SERVER, uuid);
        }
        final Route route = serverRoute(path.substring(uuidEnd + 1));
        return route == null ? null : new Match(route, uuid);
    }

    private static Route serverRoute(final String rest)
    {
        switch (rest)
        {
            case "power":
                return POWER;
            case "commands":
                return COMMANDS;
            case "logs":
                return LOGS;
            case "sync":
                return SYNC;
            case "install":
                return INSTALL;
            case "reinstall":
                return REINSTALL;
            case "ws/deny":
                return WS_DENY;
            case "ws/token":
                return WS_TOKEN;
            case "ws":
                return WEBSOCKET;
            default:
                return null;
        }
    }
}
