package io.tern.transport;

import io.tern.engine.inbound.InboundHandler;

import java.nio.ByteBuffer;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * Scratch space of one thread for the websocket framing, so a connection owns no buffer while
 * it is idle: frames are copied into {@link #write} just before a socket write, read into
 * {@link #read} and parsed there, and a message is inflated into {@link #inflated}. A connection
 * keeps bytes of its own only when a frame or message is split across reads. One instance per
 * thread ({@link #get()}); never shared.
 */
final class ThreadBuffers
{
    /** Bytes gathered into one socket write. */
    static final int WRITE_CAPACITY = 64 * 1024;
    /** Bytes read from a socket at a time; more than any frame a client may send. */
    static final int READ_CAPACITY = 16 * 1024;

    private static final ThreadLocal<ThreadBuffers> BUFFERS = ThreadLocal.withInitial(ThreadBuffers::new);

    /** Direct, so a socket write copies nothing. */
    final ByteBuffer write = ByteBuffer.allocateDirect(WRITE_CAPACITY);
    /** Heap, so a frame can be unmasked and handed over in place. */
    final ByteBuffer read = ByteBuffer.allocate(READ_CAPACITY);
    /** A decompressed message: one byte more than the largest kept, to see an oversize one. */
    final byte[] inflated = new byte[InboundHandler.MAX_MESSAGE + 1];
    /** A view of {@link #read}'s array, for handing a message to the engine without allocating. */
    final ByteBuffer readView = ByteBuffer.wrap(read.array());
    /** A view of {@link #inflated}. */
    final ByteBuffer inflatedView = ByteBuffer.wrap(inflated);
    /** The one-element payload array the engine takes. */
    final ByteBuffer[] payload = new ByteBuffer[1];
    /** permessage-deflate level of outbound messages (Pelican's {@code SetCompressionLevel(5)}). */
    final Deflater deflater = new Deflater(5, true);
    final Inflater inflater = new Inflater(true);

    private ThreadBuffers()
    {
    }

    /**
     * @return the calling thread's buffers.
     */
    static ThreadBuffers get()
    {
        return BUFFERS.get();
    }
}
