package io.tern.transport;

import io.undertow.server.HttpHandler;

import java.util.List;

/**
 * Every tunable of the transport, with its default. The daemon fills one from its YAML config
 * and the selected {@code perf/} profile and hands it to {@link WebsocketServer}; it is read once,
 * when the server is built. Configuration key names are given per field.
 */
public final class TransportOptions
{
    /** {@code api.host}: the address the HTTP listener binds. */
    public String host = "0.0.0.0";
    /** {@code api.port}: the listener port; 0 binds an ephemeral port, see {@link WebsocketServer#port()}. */
    public int port = 8080;
    /** {@code transport.io_threads}: Undertow IO threads; 0 means one per core (at least 2). */
    public int ioThreads = 0;
    /** {@code transport.worker_threads}: Undertow worker threads for handlers that dispatch; 0 means 8 per IO thread. */
    public int workerThreads = 0;
    /** {@code transport.buffer_size}: bytes of each pooled (direct) IO buffer. */
    public int bufferSize = 16 * 1024;
    /**
     * {@code transport.send_buffer}: the kernel send buffer (SO_SNDBUF) of each websocket, so a
     * client that stops reading holds at most this much kernel memory besides its outbound budget;
     * 0 leaves it to the kernel's autotuning (up to {@code net.ipv4.tcp_wmem}'s maximum, 4 MiB).
     */
    public int sendBuffer = 128 * 1024;
    /** {@code websocket.compression}: negotiate permessage-deflate when the client offers it. */
    public boolean compression = true;
    /** {@code remote}: the panel URL; the Origin always allowed and the default CORS origin. */
    public String remote = "";
    /** {@code allowed_origins}: further exact Origins, or {@code *} for any. */
    public List<String> allowedOrigins = List.of();
    /** {@code allow_cors_private_network}: adds {@code Access-Control-Request-Private-Network: true}. */
    public boolean allowCorsPrivateNetwork = false;
    /**
     * Handles every request that is not the websocket route and not a CORS preflight (the daemon's
     * REST API). It runs on an IO thread and must dispatch before blocking. {@code null} answers
     * every such request with {@link NotFoundHandler}'s 404.
     */
    public HttpHandler fallback = null;
}
