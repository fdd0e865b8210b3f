// The call view's strings in the 15 product languages, one "|"-separated line per language in
// the order of KEYS (compact like i18n.ts: this ships inside widget.js). Screen share and
// snapshots are agent tools: the widget never shows them.
import type { CallStrings } from "../shared/callview";

const KEYS = [
  "video", "voice", "incomingVideo", "incomingVoice", "calling", "ringing", "connecting", "accept", "decline",
  "cancel", "hangup", "mute", "unmute", "camOff", "camOn", "switchCam", "netGood", "netFair", "netPoor",
  "audioOffer", "audioOnly", "mediaFailed", "failed", "ended", "declined", "missed", "busy", "cancelled",
  "confirmEnd", "stay", "dismiss",
] as const;

const LINES: Record<string, string> = {
  en: "Video call|Voice call|Incoming video call|Incoming voice call|Calling…|Ringing…|Connecting…|Accept|Decline|Cancel|Hang up|Mute|Unmute|Camera off|Camera on|Switch camera|Network: good|Network: fair|Network: poor|Weak connection. Switch to audio only?|Audio only|Camera or microphone unavailable. You can keep chatting here.|The call could not connect. You can keep chatting here.|Call ended.|The call was declined. You can keep chatting here.|No one answered. Write here and we will get back to you.|Our team is in another call. Please write here.|Call cancelled.|End the call?|Stay|Dismiss",
  es: "Videollamada|Llamada de voz|Videollamada entrante|Llamada de voz entrante|Llamando…|Sonando…|Conectando…|Aceptar|Rechazar|Cancelar|Colgar|Silenciar|Activar micrófono|Apagar cámara|Encender cámara|Cambiar cámara|Red: buena|Red: regular|Red: mala|Conexión débil. ¿Cambiar a solo audio?|Solo audio|Cámara o micrófono no disponibles. Puedes seguir chateando aquí.|No se pudo conectar la llamada. Puedes seguir chateando aquí.|Llamada finalizada.|Rechazaron la llamada. Puedes seguir chateando aquí.|Nadie respondió. Escribe aquí y te responderemos.|Nuestro equipo está en otra llamada. Escribe aquí, por favor.|Llamada cancelada.|¿Terminar la llamada?|Seguir|Cerrar",
  pt: "Chamada de vídeo|Chamada de voz|Chamada de vídeo recebida|Chamada de voz recebida|Chamando…|Tocando…|Conectando…|Aceitar|Recusar|Cancelar|Desligar|Silenciar|Ativar microfone|Desligar câmera|Ligar câmera|Trocar câmera|Rede: boa|Rede: razoável|Rede: ruim|Conexão fraca. Mudar para somente áudio?|Somente áudio|Câmera ou microfone indisponível. Você pode continuar no chat.|Não foi possível conectar a chamada. Você pode continuar no chat.|Chamada encerrada.|A chamada foi recusada. Você pode continuar no chat.|Ninguém atendeu. Escreva aqui e responderemos.|Nossa equipe está em outra chamada. Escreva aqui, por favor.|Chamada cancelada.|Encerrar a chamada?|Continuar|Fechar",
  fr: "Appel vidéo|Appel vocal|Appel vidéo entrant|Appel vocal entrant|Appel en cours…|Ça sonne…|Connexion…|Accepter|Refuser|Annuler|Raccrocher|Couper le micro|Activer le micro|Couper la caméra|Activer la caméra|Changer de caméra|Réseau : bon|Réseau : moyen|Réseau : faible|Connexion faible. Passer en audio seul ?|Audio seul|Caméra ou micro indisponible. Vous pouvez continuer dans le chat.|L’appel n’a pas pu se connecter. Vous pouvez continuer dans le chat.|Appel terminé.|L’appel a été refusé. Vous pouvez continuer dans le chat.|Personne n’a répondu. Écrivez ici, nous vous répondrons.|Notre équipe est déjà en appel. Écrivez-nous ici.|Appel annulé.|Terminer l’appel ?|Rester|Fermer",
  de: "Videoanruf|Sprachanruf|Eingehender Videoanruf|Eingehender Sprachanruf|Anruf wird aufgebaut…|Es klingelt…|Verbindung wird hergestellt…|Annehmen|Ablehnen|Abbrechen|Auflegen|Stumm|Mikrofon an|Kamera aus|Kamera an|Kamera wechseln|Netz: gut|Netz: mittel|Netz: schlecht|Schwache Verbindung. Nur Audio verwenden?|Nur Audio|Kamera oder Mikrofon nicht verfügbar. Sie können hier weiterchatten.|Der Anruf kam nicht zustande. Sie können hier weiterchatten.|Anruf beendet.|Der Anruf wurde abgelehnt. Sie können hier weiterchatten.|Niemand hat geantwortet. Schreiben Sie uns hier, wir melden uns.|Unser Team ist in einem anderen Anruf. Bitte schreiben Sie hier.|Anruf abgebrochen.|Anruf beenden?|Bleiben|Schließen",
  it: "Videochiamata|Chiamata vocale|Videochiamata in arrivo|Chiamata vocale in arrivo|Chiamata in corso…|Sta squillando…|Connessione…|Accetta|Rifiuta|Annulla|Riaggancia|Disattiva microfono|Attiva microfono|Spegni fotocamera|Accendi fotocamera|Cambia fotocamera|Rete: buona|Rete: discreta|Rete: scarsa|Connessione debole. Passare al solo audio?|Solo audio|Fotocamera o microfono non disponibili. Puoi continuare in chat.|Impossibile collegare la chiamata. Puoi continuare in chat.|Chiamata terminata.|La chiamata è stata rifiutata. Puoi continuare in chat.|Nessuno ha risposto. Scrivi qui e ti risponderemo.|Il nostro team è in un’altra chiamata. Scrivi qui, per favore.|Chiamata annullata.|Terminare la chiamata?|Resta|Chiudi",
  ru: "Видеозвонок|Голосовой звонок|Входящий видеозвонок|Входящий звонок|Вызов…|Идёт вызов…|Соединение…|Принять|Отклонить|Отмена|Завершить|Выключить микрофон|Включить микрофон|Выключить камеру|Включить камеру|Сменить камеру|Сеть: хорошая|Сеть: средняя|Сеть: плохая|Слабая связь. Перейти только на звук?|Только звук|Камера или микрофон недоступны. Можно продолжить в чате.|Не удалось соединить звонок. Можно продолжить в чате.|Звонок завершён.|Звонок отклонён. Можно продолжить в чате.|Никто не ответил. Напишите здесь, и мы ответим.|Наша команда занята другим звонком. Напишите здесь.|Звонок отменён.|Завершить звонок?|Остаться|Закрыть",
  ar: "مكالمة فيديو|مكالمة صوتية|مكالمة فيديو واردة|مكالمة صوتية واردة|جارٍ الاتصال…|يرن…|جارٍ التوصيل…|قبول|رفض|إلغاء|إنهاء المكالمة|كتم الصوت|إلغاء الكتم|إيقاف الكاميرا|تشغيل الكاميرا|تبديل الكاميرا|الشبكة: جيدة|الشبكة: متوسطة|الشبكة: ضعيفة|الاتصال ضعيف. التحويل إلى الصوت فقط؟|صوت فقط|الكاميرا أو الميكروفون غير متاح. يمكنك متابعة المحادثة هنا.|تعذر توصيل المكالمة. يمكنك متابعة المحادثة هنا.|انتهت المكالمة.|تم رفض المكالمة. يمكنك متابعة المحادثة هنا.|لم يرد أحد. اكتب هنا وسنرد عليك.|فريقنا في مكالمة أخرى. يرجى الكتابة هنا.|تم إلغاء المكالمة.|إنهاء المكالمة؟|البقاء|إغلاق",
  tr: "Görüntülü arama|Sesli arama|Gelen görüntülü arama|Gelen sesli arama|Aranıyor…|Çalıyor…|Bağlanıyor…|Kabul et|Reddet|İptal|Kapat|Sesi kapat|Sesi aç|Kamerayı kapat|Kamerayı aç|Kamerayı değiştir|Ağ: iyi|Ağ: orta|Ağ: zayıf|Bağlantı zayıf. Yalnızca sese geçilsin mi?|Yalnızca ses|Kamera veya mikrofon kullanılamıyor. Sohbete buradan devam edebilirsiniz.|Arama bağlanamadı. Sohbete buradan devam edebilirsiniz.|Arama sona erdi.|Arama reddedildi. Sohbete buradan devam edebilirsiniz.|Kimse yanıt vermedi. Buraya yazın, size dönelim.|Ekibimiz başka bir aramada. Lütfen buraya yazın.|Arama iptal edildi.|Arama sonlandırılsın mı?|Kal|Kapat",
  ja: "ビデオ通話|音声通話|ビデオ通話の着信|音声通話の着信|発信中…|呼び出し中…|接続中…|応答|拒否|キャンセル|終了|ミュート|ミュート解除|カメラをオフ|カメラをオン|カメラを切り替え|通信状態: 良好|通信状態: 普通|通信状態: 不安定|通信が不安定です。音声のみに切り替えますか？|音声のみ|カメラまたはマイクを使用できません。チャットで続けられます。|通話を接続できませんでした。チャットで続けられます。|通話が終了しました。|通話は拒否されました。チャットで続けられます。|応答がありませんでした。ここにご記入ください。折り返しご連絡します。|担当者は別の通話中です。ここにご記入ください。|通話はキャンセルされました。|通話を終了しますか？|続ける|閉じる",
  ko: "영상 통화|음성 통화|영상 통화 수신|음성 통화 수신|전화 거는 중…|신호 가는 중…|연결 중…|수락|거절|취소|통화 종료|음소거|음소거 해제|카메라 끄기|카메라 켜기|카메라 전환|네트워크: 좋음|네트워크: 보통|네트워크: 나쁨|연결이 약합니다. 음성만 사용할까요?|음성만|카메라나 마이크를 사용할 수 없습니다. 여기서 채팅을 계속할 수 있습니다.|통화를 연결하지 못했습니다. 여기서 채팅을 계속할 수 있습니다.|통화가 종료되었습니다.|통화가 거절되었습니다. 여기서 채팅을 계속할 수 있습니다.|응답이 없습니다. 여기에 남겨 주시면 연락드리겠습니다.|상담팀이 다른 통화 중입니다. 여기에 남겨 주세요.|통화가 취소되었습니다.|통화를 종료할까요?|계속|닫기",
  zh: "视频通话|语音通话|视频来电|语音来电|正在呼叫…|对方响铃中…|正在连接…|接听|拒绝|取消|挂断|静音|取消静音|关闭摄像头|打开摄像头|切换摄像头|网络：良好|网络：一般|网络：较差|网络较差，切换为仅语音？|仅语音|无法使用摄像头或麦克风，您可以继续在此聊天。|通话未能接通，您可以继续在此聊天。|通话已结束。|通话被拒绝，您可以继续在此聊天。|无人接听。请在此留言，我们会尽快回复。|客服正在通话中，请在此留言。|通话已取消。|结束通话？|继续通话|关闭",
  th: "วิดีโอคอล|โทรด้วยเสียง|วิดีโอคอลเข้า|สายเข้า|กำลังโทร…|กำลังเรียก…|กำลังเชื่อมต่อ…|รับสาย|ปฏิเสธ|ยกเลิก|วางสาย|ปิดเสียง|เปิดเสียง|ปิดกล้อง|เปิดกล้อง|สลับกล้อง|เครือข่าย: ดี|เครือข่าย: ปานกลาง|เครือข่าย: แย่|สัญญาณอ่อน เปลี่ยนเป็นเสียงอย่างเดียวไหม|เสียงอย่างเดียว|ใช้กล้องหรือไมโครโฟนไม่ได้ คุณแชทต่อที่นี่ได้|เชื่อมต่อสายไม่สำเร็จ คุณแชทต่อที่นี่ได้|วางสายแล้ว|สายถูกปฏิเสธ คุณแชทต่อที่นี่ได้|ไม่มีผู้รับสาย ฝากข้อความไว้ที่นี่แล้วเราจะติดต่อกลับ|ทีมงานกำลังติดสายอื่น โปรดพิมพ์ที่นี่|ยกเลิกสายแล้ว|วางสายไหม|อยู่ต่อ|ปิด",
  vi: "Gọi video|Gọi thoại|Cuộc gọi video đến|Cuộc gọi thoại đến|Đang gọi…|Đang đổ chuông…|Đang kết nối…|Trả lời|Từ chối|Hủy|Kết thúc|Tắt tiếng|Bật tiếng|Tắt camera|Bật camera|Đổi camera|Mạng: tốt|Mạng: trung bình|Mạng: yếu|Kết nối yếu. Chuyển sang chỉ âm thanh?|Chỉ âm thanh|Không dùng được camera hoặc micro. Bạn có thể tiếp tục trò chuyện tại đây.|Không thể kết nối cuộc gọi. Bạn có thể tiếp tục trò chuyện tại đây.|Cuộc gọi đã kết thúc.|Cuộc gọi bị từ chối. Bạn có thể tiếp tục trò chuyện tại đây.|Không ai trả lời. Hãy để lại tin nhắn, chúng tôi sẽ phản hồi.|Nhân viên đang bận cuộc gọi khác. Vui lòng nhắn tại đây.|Đã hủy cuộc gọi.|Kết thúc cuộc gọi?|Ở lại|Đóng",
  id: "Panggilan video|Panggilan suara|Panggilan video masuk|Panggilan suara masuk|Memanggil…|Berdering…|Menghubungkan…|Terima|Tolak|Batal|Tutup telepon|Bisukan|Aktifkan suara|Matikan kamera|Nyalakan kamera|Ganti kamera|Jaringan: baik|Jaringan: sedang|Jaringan: buruk|Koneksi lemah. Beralih ke audio saja?|Audio saja|Kamera atau mikrofon tidak tersedia. Anda bisa lanjut chat di sini.|Panggilan gagal tersambung. Anda bisa lanjut chat di sini.|Panggilan berakhir.|Panggilan ditolak. Anda bisa lanjut chat di sini.|Tidak ada yang menjawab. Tulis di sini, kami akan membalas.|Tim kami sedang dalam panggilan lain. Silakan tulis di sini.|Panggilan dibatalkan.|Akhiri panggilan?|Tetap|Tutup",
};

const cache: Record<string, CallStrings> = {};

export function callStrings(lang: string): CallStrings {
  if (!cache[lang]) {
    const parts = (LINES[lang] || LINES.en).split("|");
    cache[lang] = Object.fromEntries(KEYS.map((k, i) => [k, parts[i]])) as unknown as CallStrings;
  }
  return cache[lang];
}

// The call events the server posts in the conversation (in English), in the buyer's language.
const EVENT_LINES: Record<string, string> = {
  en: "Video call started|Voice call started|Video call ended ({d})|Voice call ended ({d})|Missed call",
  es: "Videollamada iniciada|Llamada de voz iniciada|Videollamada finalizada ({d})|Llamada de voz finalizada ({d})|Llamada perdida",
  pt: "Chamada de vídeo iniciada|Chamada de voz iniciada|Chamada de vídeo encerrada ({d})|Chamada de voz encerrada ({d})|Chamada perdida",
  fr: "Appel vidéo commencé|Appel vocal commencé|Appel vidéo terminé ({d})|Appel vocal terminé ({d})|Appel manqué",
  de: "Videoanruf begonnen|Sprachanruf begonnen|Videoanruf beendet ({d})|Sprachanruf beendet ({d})|Verpasster Anruf",
  it: "Videochiamata iniziata|Chiamata vocale iniziata|Videochiamata terminata ({d})|Chiamata vocale terminata ({d})|Chiamata persa",
  ru: "Видеозвонок начат|Голосовой звонок начат|Видеозвонок завершён ({d})|Голосовой звонок завершён ({d})|Пропущенный звонок",
  ar: "بدأت مكالمة الفيديو|بدأت المكالمة الصوتية|انتهت مكالمة الفيديو ({d})|انتهت المكالمة الصوتية ({d})|مكالمة فائتة",
  tr: "Görüntülü arama başladı|Sesli arama başladı|Görüntülü arama bitti ({d})|Sesli arama bitti ({d})|Cevapsız arama",
  ja: "ビデオ通話を開始しました|音声通話を開始しました|ビデオ通話が終了しました（{d}）|音声通話が終了しました（{d}）|不在着信",
  ko: "영상 통화 시작|음성 통화 시작|영상 통화 종료 ({d})|음성 통화 종료 ({d})|부재중 전화",
  zh: "视频通话已开始|语音通话已开始|视频通话已结束（{d}）|语音通话已结束（{d}）|未接来电",
  th: "เริ่มวิดีโอคอลแล้ว|เริ่มการโทรด้วยเสียงแล้ว|วิดีโอคอลสิ้นสุด ({d})|การโทรด้วยเสียงสิ้นสุด ({d})|สายที่ไม่ได้รับ",
  vi: "Cuộc gọi video đã bắt đầu|Cuộc gọi thoại đã bắt đầu|Cuộc gọi video đã kết thúc ({d})|Cuộc gọi thoại đã kết thúc ({d})|Cuộc gọi nhỡ",
  id: "Panggilan video dimulai|Panggilan suara dimulai|Panggilan video berakhir ({d})|Panggilan suara berakhir ({d})|Panggilan tak terjawab",
};

/** A call event's system message in `lang` (null: not a call event, or one shown as the server wrote it). */
export function callEventText(lang: string, data: Record<string, unknown> | null | undefined): string | null {
  const event = data?.event;
  if (event !== "call_started" && event !== "call_ended" && event !== "call_missed") return null;
  const [videoStarted, voiceStarted, videoEnded, voiceEnded, missed] = (EVENT_LINES[lang] || EVENT_LINES.en).split("|");
  const video = data?.media === "video";
  if (event === "call_started") return video ? videoStarted : voiceStarted;
  const outcome = event === "call_missed" ? "missed" : data?.outcome;
  if (outcome === "missed" || outcome === "cancelled") return missed;
  if (outcome !== "completed") return null;
  const s = Math.round(Number(data?.duration_s) || 0);
  return (video ? videoEnded : voiceEnded).replace("{d}", `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`);
}
