// The in-page half of the browser peer: a LiveKit participant set up the
// way Visio's web client (La Suite Meet, src/frontend) sets up its room,
// publishing Chromium's fake camera and microphone, sending one chat
// message and one reaction in Visio's formats, and counting what it
// receives. peer.mjs loads it next to livekit-client's UMD build and calls
// window.runPeer(options); progress goes out through window.peerEvent.
'use strict';

(() => {
  const LK = window.LivekitClient;
  const { Room, RoomEvent, Track, VideoPresets } = LK;

  // Topics of LiveKit's chat (@livekit/components-core): messages are text
  // streams on CHAT_TOPIC; browsers also send each one as a reliable data
  // packet on LEGACY_CHAT_TOPIC, flagged ignoreLegacy when the server
  // carries streams, so that new clients show it once.
  const CHAT_TOPIC = 'lk.chat';
  const LEGACY_CHAT_TOPIC = 'lk-chat-topic';

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const emit = (event, fields) => window.peerEvent({ event, t_ms: Math.round(performance.now()), ...fields });

  // components-core's setupChat: data streams when the server is LiveKit
  // Cloud or newer than 1.8.2.
  function serverSupportsDataStreams(room) {
    const info = room.serverInfo;
    return info?.edition === 1 || (!!info?.version && LK.compareVersions(info.version, '1.8.2') > 0);
  }

  // Reads the inbound-rtp or outbound-rtp entry of a track's stats with the
  // codec it names.
  async function rtpStats(track, type) {
    const report = await track.getRTCStatsReport();
    if (!report) return undefined;
    let rtp;
    const all = new Map();
    report.forEach((s) => {
      all.set(s.id, s);
      // With SVC there is one outbound-rtp; with simulcast (the VP8
      // backup) one per layer: keep the one that carried the most.
      if (s.type === type && s.kind === track.kind && (!rtp || (s.bytesSent ?? 0) > (rtp.bytesSent ?? 0))) rtp = s;
    });
    if (!rtp) return undefined;
    const codec = rtp.codecId ? all.get(rtp.codecId) : undefined;
    return { ...rtp, mimeType: codec?.mimeType, sdpFmtpLine: codec?.sdpFmtpLine };
  }

  // Every outbound-rtp of a video track, one per simulcast layer, smallest
  // first: what each encoded and how long its encoder took.
  async function outboundLayers(track) {
    const report = await track.getRTCStatsReport();
    const layers = [];
    report?.forEach((s) => {
      if (s.type !== 'outbound-rtp' || s.kind !== 'video') return;
      layers.push({
        rid: s.rid,
        width: s.frameWidth ?? 0,
        height: s.frameHeight ?? 0,
        frames_encoded: s.framesEncoded ?? 0,
        frames_per_second: s.framesPerSecond ?? 0,
        total_encode_time_s: s.totalEncodeTime ?? 0,
        bytes_sent: s.bytesSent ?? 0,
        encoder: s.encoderImplementation,
        quality_limitation_reason: s.qualityLimitationReason,
        quality_limitation_durations: s.qualityLimitationDurations,
      });
    });
    return layers.sort((a, b) => a.width * a.height - b.width * b.height);
  }

  function remoteRow(track, publication, participant) {
    return {
      identity: participant.identity,
      name: participant.name,
      sid: publication.trackSid,
      kind: track.kind,
      source: publication.source,
      mime_type: publication.mimeType,
    };
  }

  // Copies the cumulative counters of one inbound-rtp into row.
  function fillRemote(row, s) {
    row.codec = (s.mimeType || '').replace(/^(audio|video)\//, '').toLowerCase();
    row.packets_received = s.packetsReceived ?? 0;
    row.packets_lost = s.packetsLost ?? 0;
    row.bytes_received = s.bytesReceived ?? 0;
    if (row.kind === 'video') {
      row.frames_received = s.framesReceived ?? 0;
      row.frames_decoded = s.framesDecoded ?? 0;
      row.frames_dropped = s.framesDropped ?? 0;
      row.key_frames_decoded = s.keyFramesDecoded ?? 0;
      row.width = s.frameWidth ?? row.width ?? 0;
      row.height = s.frameHeight ?? row.height ?? 0;
      row.decoder = s.decoderImplementation;
      row.pli_sent = s.pliCount ?? 0;
    } else {
      row.total_samples_received = s.totalSamplesReceived ?? 0;
      row.concealed_samples = s.concealedSamples ?? 0;
    }
  }

  // Frames a video element put on screen, counted with
  // requestVideoFrameCallback (one call per frame composited).
  const frameCounts = new Map();
  function countFrames(el) {
    frameCounts.set(el, { frames: 0, width: 0, height: 0 });
    const tick = (now, meta) => {
      if (!el.isConnected) {
        frameCounts.delete(el);
        return;
      }
      const c = frameCounts.get(el);
      c.frames++;
      c.width = meta.width;
      c.height = meta.height;
      el.requestVideoFrameCallback(tick);
    };
    el.requestVideoFrameCallback(tick);
  }
  // The counts so far, one per video element on screen, with its size.
  window.peerFrames = () => [...frameCounts.values()].map((c) => ({ ...c }));

  window.runPeer = async (o) => {
    LK.setLogLevel(o.logLevel || 'warn');
    const started = performance.now();
    const ms = () => Math.round(performance.now() - started);
    const summary = {
      livekit_client: LK.version,
      user_agent: navigator.userAgent,
      identity: '',
      server: {},
      timings_ms: {},
      local: {},
      remote: [],
      chat: { sent: null, received_stream: [], received_legacy: [], shown: [] },
      reactions_sent: [],
      notifications: [],
      other_data: [],
      errors: [],
    };

    // Visio's RoomOptions (src/frontend/src/features/rooms/components/
    // Conference.tsx): adaptive stream, dynacast, VP9, capture at the
    // user's publish resolution (720p unless changed in the settings).
    const room = new Room({
      adaptiveStream: true,
      dynacast: o.dynacast ?? true,
      publishDefaults: { videoCodec: o.codec || 'vp9' },
      videoCaptureDefaults: { resolution: VideoPresets[o.resolution].resolution },
    });

    // Chat, received as components-core's setupChat does: every text stream
    // on lk.chat is a message; a legacy packet is one unless ignoreLegacy;
    // a message with an id already shown from the same sender replaces it.
    const show = (identity, id, text, via) => {
      const i = summary.chat.shown.findIndex((m) => m.identity === identity && m.id === id);
      if (i >= 0) summary.chat.shown[i] = { ...summary.chat.shown[i], text, edited: true };
      else summary.chat.shown.push({ identity, id, text, via });
    };
    room.registerTextStreamHandler(CHAT_TOPIC, async (reader, from) => {
      const text = await reader.readAll();
      const m = { identity: from.identity, id: reader.info.id, text, t_ms: ms() };
      summary.chat.received_stream.push(m);
      emit('chat_stream', m);
      show(m.identity, m.id, text, 'stream');
    });
    room.on(RoomEvent.DataReceived, (payload, participant, kind, topic) => {
      const identity = participant?.identity ?? '';
      let text;
      try {
        text = new TextDecoder().decode(payload);
      } catch {
        text = '';
      }
      if (topic === LEGACY_CHAT_TOPIC) {
        let msg;
        try {
          msg = JSON.parse(text);
        } catch (e) {
          summary.errors.push(`legacy chat packet from ${identity} is not JSON: ${text}`);
          return;
        }
        summary.chat.received_legacy.push({ identity, ...msg, t_ms: ms() });
        emit('chat_legacy', { identity, ...msg });
        if (msg.ignoreLegacy != true) show(identity, msg.id, msg.message, 'legacy');
        return;
      }
      if (!topic) {
        // Visio's notifications (features/notifications/utils.ts:
        // decodeNotificationDataReceived): JSON {type, data}.
        let n;
        try {
          n = JSON.parse(text);
        } catch {
          n = { unparsed: text };
        }
        summary.notifications.push({ identity, ...n });
        emit('notification', { identity, ...n });
        return;
      }
      summary.other_data.push({ identity, topic, size: payload.byteLength });
    });

    // Remote tracks: attached to elements as LiveKit components do, since
    // adaptive stream pauses video that no visible element shows.
    const remote = new Map();
    room.on(RoomEvent.TrackSubscribed, (track, publication, participant) => {
      const row = remoteRow(track, publication, participant);
      const el = track.attach();
      if (track.kind === Track.Kind.Video) {
        // o.tile ([w, h]) lays videos out as a call grid of that tile
        // size, all on screen, for measuring (peer.mjs --tile).
        [el.width, el.height] = o.tile ?? [640, 360];
        el.muted = true;
        if (o.tile) {
          el.style.cssText = 'object-fit:contain;background:#222;margin:4px';
          countFrames(el);
        }
      }
      document.body.appendChild(el);
      remote.set(publication.trackSid, { track, row, el });
      summary.remote.push(row);
      emit('track_subscribed', row);
    });
    room.on(RoomEvent.TrackUnsubscribed, (track, publication, participant) => {
      const r = remote.get(publication.trackSid);
      if (r) {
        track.detach(r.el);
        r.el.remove();
        remote.delete(publication.trackSid);
      }
      emit('track_unsubscribed', { identity: participant.identity, sid: publication.trackSid });
    });
    let seenRemote = false;
    let remoteActive;
    const active = new Promise((resolve) => (remoteActive = resolve));
    room.on(RoomEvent.ParticipantConnected, (p) => {
      seenRemote = true;
      emit('participant_joined', { identity: p.identity, name: p.name });
      if (p.isActive) remoteActive(p);
    });
    room.on(RoomEvent.ParticipantActive, (p) => {
      emit('participant_active', { identity: p.identity });
      remoteActive(p);
    });
    room.on(RoomEvent.ParticipantDisconnected, (p) => emit('participant_left', { identity: p.identity }));
    room.on(RoomEvent.Disconnected, (reason) => emit('disconnected', { reason }));
    room.on(RoomEvent.MediaDevicesError, (e) => summary.errors.push(`media devices: ${e.message}`));

    async function pollStats() {
      for (const { track, row } of remote.values()) {
        try {
          const s = await rtpStats(track, 'inbound-rtp');
          if (s) fillRemote(row, s);
        } catch (e) {
          // The track may be going away; its last counters stay in row.
        }
      }
      for (const [kind, pub] of [['video', videoPub], ['audio', audioPub]]) {
        if (!pub?.track) continue;
        try {
          const s = await rtpStats(pub.track, 'outbound-rtp');
          if (!s) continue;
          const l = summary.local[kind];
          l.codec = (s.mimeType || '').replace(/^(audio|video)\//, '').toLowerCase();
          l.packets_sent = s.packetsSent ?? 0;
          l.bytes_sent = s.bytesSent ?? 0;
          if (kind === 'video') {
            l.frames_encoded = s.framesEncoded ?? 0;
            l.frames_sent = s.framesSent ?? 0;
            l.key_frames_encoded = s.keyFramesEncoded ?? 0;
            l.encoded_width = s.frameWidth ?? 0;
            l.encoded_height = s.frameHeight ?? 0;
            l.scalability_mode = s.scalabilityMode;
            l.encoder = s.encoderImplementation;
            l.quality_limitation_reason = s.qualityLimitationReason;
            l.quality_limitation_durations = s.qualityLimitationDurations;
            l.total_encode_time_s = s.totalEncodeTime;
            l.layers = await outboundLayers(pub.track);
          }
        } catch (e) {
          // Same as above.
        }
      }
    }

    // Visio's connectOptions (Conference.tsx): more retries and a longer
    // peer connection timeout for slow networks.
    await room.connect(o.url, o.token, { maxRetries: 5, peerConnectionTimeout: 60000 });
    summary.timings_ms.connected = ms();
    summary.identity = room.localParticipant.identity;
    summary.server = { version: room.serverInfo?.version, edition: room.serverInfo?.edition, protocol: room.serverInfo?.protocol };
    for (const p of room.remoteParticipants.values()) {
      seenRemote = true;
      if (p.isActive) remoteActive(p);
    }

    // LiveKitRoom with audio and video set turns the microphone then the
    // camera on with the room's capture and publish defaults.
    const audioPub = await room.localParticipant.setMicrophoneEnabled(true);
    const videoPub = await room.localParticipant.setCameraEnabled(true);
    if (!audioPub?.track || !videoPub?.track) throw new Error('could not publish the fake microphone and camera');
    const settings = videoPub.track.mediaStreamTrack.getSettings();
    const params = videoPub.track.sender?.getParameters();
    summary.local.video = {
      sid: videoPub.trackSid,
      capture_width: settings.width,
      capture_height: settings.height,
      capture_frame_rate: settings.frameRate,
      encodings: (params?.encodings ?? []).map((e) => ({
        rid: e.rid,
        scalability_mode: e.scalabilityMode,
        max_bitrate: e.maxBitrate,
        max_framerate: e.maxFramerate,
        scale_down: e.scaleResolutionDownBy,
        active: e.active,
      })),
      backup_codecs: (videoPub.trackInfo?.codecs ?? []).map((c) => c.mimeType),
    };
    summary.local.audio = { sid: audioPub.trackSid };
    summary.timings_ms.published = ms();
    emit('joined', {
      identity: summary.identity,
      room: room.name,
      server_version: summary.server.version,
      video: summary.local.video,
    });

    const poller = setInterval(pollStats, 1000);
    const deadline = performance.now() + o.durationMs;
    const left = () => performance.now() >= deadline;
    try {
      // Speak once the other side's connection is up, so that it receives.
      if (o.chat || o.reaction) {
        const p = await Promise.race([active, sleep(Math.max(0, deadline - performance.now())).then(() => null)]);
        if (!p) throw new Error(`no other participant became active within ${o.durationMs / 1000} s`);
        summary.timings_ms.remote_active = ms();
        await sleep(o.sendDelayMs);
        if (o.chat) {
          // components-core setupChat send(): the text stream, then the
          // legacy packet with the stream's id.
          const info = await room.localParticipant.sendText(o.chat, { topic: CHAT_TOPIC });
          const legacy = {
            id: info.id,
            timestamp: Date.now(),
            message: o.chat,
            ignoreLegacy: serverSupportsDataStreams(room),
          };
          await room.localParticipant.publishData(new TextEncoder().encode(JSON.stringify(legacy)), {
            reliable: true,
            topic: LEGACY_CHAT_TOPIC,
          });
          summary.chat.sent = legacy;
          show(summary.identity, info.id, o.chat, 'local');
          emit('chat_sent', legacy);
        }
        if (o.reaction) {
          // features/reactions/hooks/useReactions.ts through
          // useNotifyParticipants: reliable, no topic, to everyone.
          const n = { type: 'reactionReceived', data: { emoji: o.reaction } };
          await room.localParticipant.publishData(new TextEncoder().encode(JSON.stringify(n)), { reliable: true });
          summary.reactions_sent.push(n);
          emit('reaction_sent', n);
        }
      }
      // Stay until the deadline, or until everyone else has left.
      while (!left()) {
        if (o.leaveWhenAlone && seenRemote && room.remoteParticipants.size === 0) break;
        await sleep(200);
      }
      await pollStats();
    } finally {
      clearInterval(poller);
    }
    summary.timings_ms.leaving = ms();
    summary.left_when_alone = !left();
    await room.disconnect(true);
    summary.timings_ms.disconnected = ms();
    return summary;
  };
})();
