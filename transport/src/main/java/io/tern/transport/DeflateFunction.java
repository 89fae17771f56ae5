package io.tern.transport;

import io.undertow.connector.PooledByteBuffer;
import io.undertow.util.ImmediatePooledByteBuffer;
import io.undertow.websockets.core.StreamSinkFrameChannel;
import io.undertow.websockets.core.StreamSourceFrameChannel;
import io.undertow.websockets.core.WebSocketFrameType;
import io.undertow.websockets.extensions.ExtensionFunction;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.zip.DataFormatException;
import java.util.zip.Deflater;
import java.util.zip.Inflater;

/**
 * permessage-deflate for one connection, with no context takeover either way (RFC 7692), bounded
 * on the read side.
 *
 * <p>Why not Undertow's {@code PerMessageDeflateFunction}: it holds a level-6 Deflater (about
 * 256 KiB of native memory) and an Inflater for the whole life of every connection, and it
 * inflates without a bound. Without context takeover a zlib stream is only needed while one
 * message is being (de)compressed, so this function borrows a per-thread Deflater or Inflater for
 * a message that is handled in one call (the usual case) and creates a private one only for a
 * message that spans calls, ending it with the message.
 *
 * <p>Reads (IO thread of the connection): {@link MessageReader#READ_LIMIT} is enforced on the
 * compressed (wire) bytes, which only this function sees; past it the rest of the message is
 * discarded unread and {@link #overReadLimit()} tells the reader to close with 1009. Inflation
 * stops one byte past {@link MessageReader#MAX_MESSAGE}, so the reader sees an oversize message
 * and drops it; no more than that is ever inflated or buffered (no compression bomb). Binary
 * messages are counted but never inflated: they are dropped anyway.
 *
 * <p>Writes (any thread that flushes the connection, one frame at a time): deflate level
 * {@value #LEVEL} with a sync flush, the trailing {@code 00 00 FF FF} removed (RFC 7692 §7.2.1).
 */
final class DeflateFunction implements ExtensionFunction
{
    /** Deflate level of outbound messages (Pelican's {@code SetCompressionLevel(5)}). */
    static final int LEVEL = 5;

    private static final byte[] TAIL = {0, 0, (byte)0xFF, (byte)0xFF};
    private static final ThreadLocal<Deflater> DEFLATERS = ThreadLocal.withInitial(() -> new Deflater(LEVEL, true));
    private static final ThreadLocal<Inflater> INFLATERS = ThreadLocal.withInitial(() -> new Inflater(true));

    private StreamSourceFrameChannel message;
    private Inflater messageInflater;
    private int wireBytes;
    private int inflatedBytes;
    private Deflater messageDeflater;

    @Override
    public boolean hasExtensionOpCode()
    {
        return false;
    }

    @Override
    public int writeRsv(final int rsv)
    {
        return rsv | RSV1;
    }

    /**
     * @return true when the message being read has more than {@link MessageReader#READ_LIMIT}
     * compressed bytes. IO thread.
     */
    boolean overReadLimit()
    {
        return wireBytes > MessageReader.READ_LIMIT;
    }

    @Override
    public PooledByteBuffer transformForRead(
        final PooledByteBuffer input, final StreamSourceFrameChannel channel, final boolean lastFragmentOfMessage)
        throws IOException
    {
        if ((channel.getRsv() & RSV1) == 0)
        {
            return input;
        }
        final boolean firstCall = channel != message;
        if (firstCall)
        {
            startMessage(channel);
        }
        final ByteBuffer in = input.getBuffer();
        wireBytes += in.remaining();
        if (overReadLimit() || inflatedBytes > MessageReader.MAX_MESSAGE || channel.getType() != WebSocketFrameType.TEXT)
        {
            in.position(in.limit());
            endInflation();
            return input;
        }
        final Inflater inflater = inflaterFor(firstCall && lastFragmentOfMessage);
        PooledByteBuffer output = channel.getWebSocketChannel().getBufferPool().allocate();
        boolean done = true;
        try
        {
            inflater.setInput(in);
            output = inflate(inflater, output);
            if (lastFragmentOfMessage && inflatedBytes <= MessageReader.MAX_MESSAGE)
            {
                inflater.setInput(TAIL);
                output = inflate(inflater, output);
            }
            done = lastFragmentOfMessage || inflatedBytes > MessageReader.MAX_MESSAGE;
        }
        finally
        {
            input.close();
            if (done)
            {
                endInflation();
            }
        }
        output.getBuffer().flip();
        return output;
    }

    private void startMessage(final StreamSourceFrameChannel channel)
    {
        endInflation();
        message = channel;
        wireBytes = 0;
        inflatedBytes = 0;
    }

    private Inflater inflaterFor(final boolean wholeMessage)
    {
        if (messageInflater != null)
        {
            return messageInflater;
        }
        if (wholeMessage)
        {
            return INFLATERS.get();
        }
        messageInflater = new Inflater(true);
        return messageInflater;
    }

    private void endInflation()
    {
        if (messageInflater != null)
        {
            messageInflater.end();
            messageInflater = null;
        }
        else
        {
            INFLATERS.get().reset();
        }
    }

    /**
     * Inflates the pending input into {@code pooled} (enlarged as needed), stopping one byte past
     * {@link MessageReader#MAX_MESSAGE}. On failure the current output buffer is freed.
     */
    private PooledByteBuffer inflate(final Inflater inflater, final PooledByteBuffer pooled) throws IOException
    {
        PooledByteBuffer output = pooled;
        ByteBuffer out = output.getBuffer();
        try
        {
            while (!inflater.needsInput() && !inflater.finished())
            {
                final int room = MessageReader.MAX_MESSAGE + 1 - inflatedBytes;
                if (room <= 0)
                {
                    break;
                }
                if (!out.hasRemaining())
                {
                    output = enlarge(output, MessageReader.MAX_MESSAGE + 1);
                    out = output.getBuffer();
                }
                final int limit = out.limit();
                out.limit(Math.min(limit, out.position() + room));
                final int n = inflater.inflate(out);
                out.limit(limit);
                inflatedBytes += n;
                if (n == 0 && out.hasRemaining())
                {
                    break;
                }
            }
            return output;
        }
        catch (final DataFormatException ex)
        {
            output.close();
            throw new IOException("invalid permessage-deflate data: " + ex.getMessage(), ex);
        }
    }

    @Override
    public PooledByteBuffer transformForWrite(
        final PooledByteBuffer body, final StreamSinkFrameChannel channel, final boolean lastFrame) throws IOException
    {
        final Deflater deflater;
        if (messageDeflater != null)
        {
            deflater = messageDeflater;
        }
        else if (lastFrame)
        {
            deflater = DEFLATERS.get();
        }
        else
        {
            deflater = messageDeflater = new Deflater(LEVEL, true);
        }
        PooledByteBuffer output = channel.getWebSocketChannel().getBufferPool().allocate();
        try
        {
            deflater.setInput(body.getBuffer());
            output = deflate(deflater, output, lastFrame ? Deflater.SYNC_FLUSH : Deflater.NO_FLUSH);
            final ByteBuffer out = output.getBuffer();
            if (lastFrame && endsWithTail(out))
            {
                out.position(out.position() - TAIL.length);
            }
            out.flip();
            return output;
        }
        finally
        {
            body.close();
            if (lastFrame)
            {
                endDeflation(deflater);
            }
        }
    }

    private static PooledByteBuffer deflate(final Deflater deflater, final PooledByteBuffer pooled, final int flush)
    {
        PooledByteBuffer output = pooled;
        ByteBuffer out = output.getBuffer();
        while (true)
        {
            if (!out.hasRemaining())
            {
                output = enlarge(output, Integer.MAX_VALUE);
                out = output.getBuffer();
            }
            deflater.deflate(out, flush);
            if (flush == Deflater.NO_FLUSH ? deflater.needsInput() : out.hasRemaining())
            {
                return output;
            }
        }
    }

    private static boolean endsWithTail(final ByteBuffer out)
    {
        final int end = out.position();
        if (end < TAIL.length)
        {
            return false;
        }
        for (int i = 0; i < TAIL.length; i++)
        {
            if (out.get(end - TAIL.length + i) != TAIL[i])
            {
                return false;
            }
        }
        return true;
    }

    private void endDeflation(final Deflater deflater)
    {
        if (deflater == messageDeflater)
        {
            messageDeflater.end();
            messageDeflater = null;
        }
        else
        {
            deflater.reset();
        }
    }

    /**
     * Copies a full buffer into one twice as large (at most {@code cap}); only messages larger than
     * a pooled buffer get here, so the heap allocation is off the common path.
     */
    private static PooledByteBuffer enlarge(final PooledByteBuffer full, final int cap)
    {
        final ByteBuffer old = full.getBuffer();
        final int capacity = (int)Math.min(cap, Math.max(1024L, old.capacity() * 2L));
        final ByteBuffer larger = ByteBuffer.allocate(Math.max(capacity, old.capacity() + 1));
        old.flip();
        larger.put(old);
        full.close();
        return new ImmediatePooledByteBuffer(larger);
    }

    @Override
    public void dispose()
    {
        if (messageInflater != null)
        {
            messageInflater.end();
            messageInflater = null;
        }
        if (messageDeflater != null)
        {
            messageDeflater.end();
            messageDeflater = null;
        }
    }
}
