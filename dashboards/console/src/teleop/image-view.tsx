import { useEffect, useRef, useState } from 'preact/hooks';
import { parseImageMessage, type ImageHeader } from './teleop-state.js';

/** Where the page hands binary /teleop messages to the image view. */
export type ImageSink = { current: ((buf: ArrayBuffer) => void) | null };

/**
 * The live ultrasound image: each TMI1 message's JPEG decoded off the main thread
 * (createImageBitmap) and drawn on a canvas. Newest wins: while one decodes, only the latest
 * arrival waits, older ones are dropped (counted), never queued.
 */
export function ImageView(props: { sink: ImageSink }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const [info, setInfo] = useState<{ header: ImageHeader; shown: number; dropped: number; bad: number } | null>(null);
  useEffect(() => {
    let decoding = false;
    let waiting: ArrayBuffer | null = null;
    let shown = 0;
    let dropped = 0;
    let bad = 0;
    let stopped = false;
    const show = async (buf: ArrayBuffer): Promise<void> => {
      const m = parseImageMessage(buf);
      const c = ref.current;
      if (m === null || c === null) {
        bad += m === null ? 1 : 0;
        return;
      }
      try {
        const bmp = await createImageBitmap(new Blob([new Uint8Array(buf, m.jpegOffset)], { type: 'image/jpeg' }));
        if (stopped) return;
        if (c.width !== bmp.width || c.height !== bmp.height) {
          c.width = bmp.width;
          c.height = bmp.height;
        }
        c.getContext('2d')?.drawImage(bmp, 0, 0);
        bmp.close();
        shown += 1;
        setInfo({ header: m.header, shown, dropped, bad });
      } catch {
        bad += 1;
      }
    };
    const pump = async (): Promise<void> => {
      decoding = true;
      while (waiting !== null && !stopped) {
        const next = waiting;
        waiting = null;
        await show(next);
      }
      decoding = false;
    };
    props.sink.current = (buf) => {
      if (waiting !== null) dropped += 1;
      waiting = buf;
      if (!decoding) void pump();
    };
    return () => {
      stopped = true;
      props.sink.current = null;
    };
  }, [props.sink]);
  return (
    <div class="teleop-image-wrap">
      <canvas ref={ref} width={256} height={256} class={info === null ? 'teleop-image-canvas empty' : 'teleop-image-canvas'} data-testid="teleop-image-canvas" aria-label="Live ultrasound image" />
      {info === null ? (
        <p class="teleop-image" data-testid="teleop-image">No image stream yet: the arm's gateway has not sent an ultrasound image for this lease.</p>
      ) : (
        <p class="muted" data-testid="teleop-image">
          frame <span data-testid="image-frame">{info.header.frameId}</span> · {info.header.width}×{info.header.height} · depth {info.header.depthMm} mm · q{info.header.quality} · shown {info.shown}, dropped {info.dropped}{info.bad > 0 ? `, unreadable ${info.bad}` : ''}
        </p>
      )}
    </div>
  );
}
