// The widget's UI strings in the 15 product languages, one "|"-separated line per language
// in the order of KEYS (compact on purpose: this ships inside widget.js).

const KEYS = [
  "title", "open", "close", "placeholder", "send", "sending", "delivered", "read", "typing",
  "reconnecting", "offline", "handoff", "verifyTitle", "email", "order", "verify", "verified",
  "verifyFailed", "bot", "agent", "you", "view", "failed", "thanks", "bookTitle", "noSlots", "booked",
] as const;

export type Key = (typeof KEYS)[number];

const LINES: Record<string, string> = {
  en: "Chat with us|Open chat|Close chat|Write a message…|Send|Sending…|Delivered|Read|Typing…|Reconnecting…|Offline. Messages will be sent when you are back online.|A person from our team will join shortly.|Verify your order|E-mail|Order number|Verify|Verified|We could not verify that e-mail and order number.|Assistant|Team|You|View|Not sent|Thank you for your rating!|Book a video consult|No free times in the next 7 days.|Booked:",
  es: "Chatea con nosotros|Abrir chat|Cerrar chat|Escribe un mensaje…|Enviar|Enviando…|Entregado|Leído|Escribiendo…|Reconectando…|Sin conexión. Los mensajes se enviarán cuando vuelvas a estar en línea.|Una persona de nuestro equipo se unirá en breve.|Verifica tu pedido|Correo electrónico|Número de pedido|Verificar|Verificado|No pudimos verificar ese correo y número de pedido.|Asistente|Equipo|Tú|Ver|No enviado|¡Gracias por tu valoración!|Reservar una videoconsulta|No hay horarios libres en los próximos 7 días.|Reservado:",
  pt: "Fale conosco|Abrir chat|Fechar chat|Escreva uma mensagem…|Enviar|Enviando…|Entregue|Lida|Digitando…|Reconectando…|Sem conexão. As mensagens serão enviadas quando você voltar a ficar online.|Uma pessoa da nossa equipe vai entrar em breve.|Verifique seu pedido|E-mail|Número do pedido|Verificar|Verificado|Não foi possível verificar esse e-mail e número de pedido.|Assistente|Equipe|Você|Ver|Não enviada|Obrigado pela sua avaliação!|Agendar uma consulta por vídeo|Não há horários livres nos próximos 7 dias.|Agendado:",
  fr: "Discutez avec nous|Ouvrir le chat|Fermer le chat|Écrivez un message…|Envoyer|Envoi…|Distribué|Lu|En train d’écrire…|Reconnexion…|Hors ligne. Les messages seront envoyés dès votre retour en ligne.|Une personne de notre équipe va vous rejoindre.|Vérifier votre commande|E-mail|Numéro de commande|Vérifier|Vérifié|Impossible de vérifier cet e-mail et ce numéro de commande.|Assistant|Équipe|Vous|Voir|Non envoyé|Merci pour votre note !|Réserver une consultation vidéo|Aucun créneau libre dans les 7 prochains jours.|Réservé :",
  de: "Chatten Sie mit uns|Chat öffnen|Chat schließen|Nachricht schreiben…|Senden|Wird gesendet…|Zugestellt|Gelesen|Schreibt…|Verbindung wird wiederhergestellt…|Offline. Nachrichten werden gesendet, sobald Sie wieder online sind.|Eine Person aus unserem Team ist gleich für Sie da.|Bestellung bestätigen|E-Mail|Bestellnummer|Bestätigen|Bestätigt|E-Mail und Bestellnummer konnten nicht bestätigt werden.|Assistent|Team|Sie|Ansehen|Nicht gesendet|Vielen Dank für Ihre Bewertung!|Videoberatung buchen|In den nächsten 7 Tagen sind keine Termine frei.|Gebucht:",
  it: "Chatta con noi|Apri chat|Chiudi chat|Scrivi un messaggio…|Invia|Invio…|Consegnato|Letto|Sta scrivendo…|Riconnessione…|Offline. I messaggi saranno inviati quando tornerai online.|Una persona del nostro team ti risponderà a breve.|Verifica il tuo ordine|E-mail|Numero d’ordine|Verifica|Verificato|Non è stato possibile verificare e-mail e numero d’ordine.|Assistente|Team|Tu|Vedi|Non inviato|Grazie per la tua valutazione!|Prenota una videoconsulenza|Nessun orario libero nei prossimi 7 giorni.|Prenotato:",
  ru: "Напишите нам|Открыть чат|Закрыть чат|Напишите сообщение…|Отправить|Отправка…|Доставлено|Прочитано|Печатает…|Переподключение…|Нет сети. Сообщения отправятся, когда связь вернётся.|Сотрудник нашей команды скоро подключится.|Подтвердите заказ|Эл. почта|Номер заказа|Подтвердить|Подтверждено|Не удалось подтвердить эл. почту и номер заказа.|Ассистент|Команда|Вы|Открыть|Не отправлено|Спасибо за вашу оценку!|Записаться на видеоконсультацию|В ближайшие 7 дней свободного времени нет.|Записано:",
  ar: "تحدث معنا|فتح المحادثة|إغلاق المحادثة|اكتب رسالة…|إرسال|جارٍ الإرسال…|تم التسليم|تمت القراءة|يكتب الآن…|جارٍ إعادة الاتصال…|غير متصل. سيتم إرسال الرسائل عند عودة الاتصال.|سينضم إليك أحد أعضاء فريقنا قريبًا.|تحقق من طلبك|البريد الإلكتروني|رقم الطلب|تحقق|تم التحقق|تعذر التحقق من البريد الإلكتروني ورقم الطلب.|المساعد|الفريق|أنت|عرض|لم يتم الإرسال|شكرًا لتقييمك!|احجز استشارة بالفيديو|لا توجد مواعيد متاحة خلال الأيام السبعة القادمة.|تم الحجز:",
  tr: "Bize yazın|Sohbeti aç|Sohbeti kapat|Bir mesaj yazın…|Gönder|Gönderiliyor…|İletildi|Okundu|Yazıyor…|Yeniden bağlanıyor…|Çevrimdışı. Mesajlar tekrar çevrimiçi olduğunuzda gönderilecek.|Ekibimizden biri birazdan katılacak.|Siparişinizi doğrulayın|E-posta|Sipariş numarası|Doğrula|Doğrulandı|E-posta ve sipariş numarası doğrulanamadı.|Asistan|Ekip|Siz|Görüntüle|Gönderilmedi|Değerlendirmeniz için teşekkürler!|Görüntülü danışma randevusu al|Önümüzdeki 7 günde boş saat yok.|Randevu alındı:",
  ja: "チャットで相談|チャットを開く|チャットを閉じる|メッセージを入力…|送信|送信中…|配信済み|既読|入力中…|再接続中…|オフラインです。接続が戻るとメッセージが送信されます。|担当者がまもなく対応します。|ご注文の確認|メールアドレス|注文番号|確認する|確認済み|メールアドレスと注文番号を確認できませんでした。|アシスタント|スタッフ|あなた|見る|未送信|ご評価ありがとうございます。|ビデオ相談を予約|今後7日間に空き時間はありません。|予約済み：",
  ko: "채팅 상담|채팅 열기|채팅 닫기|메시지를 입력하세요…|보내기|보내는 중…|전달됨|읽음|입력 중…|다시 연결 중…|오프라인입니다. 다시 연결되면 메시지가 전송됩니다.|곧 상담원이 연결됩니다.|주문 확인|이메일|주문 번호|확인|확인됨|이메일과 주문 번호를 확인할 수 없습니다.|어시스턴트|상담팀|나|보기|전송 실패|평가해 주셔서 감사합니다!|영상 상담 예약|앞으로 7일 동안 예약 가능한 시간이 없습니다.|예약됨:",
  zh: "在线咨询|打开聊天|关闭聊天|输入消息…|发送|发送中…|已送达|已读|正在输入…|正在重新连接…|已离线。恢复联网后消息会自动发送。|我们的客服人员马上就来。|验证您的订单|电子邮箱|订单号|验证|已验证|无法验证该邮箱和订单号。|智能助手|客服团队|我|查看|未发送|感谢您的评价！|预约视频咨询|未来 7 天没有可预约的时间。|已预约：",
  th: "แชทกับเรา|เปิดแชท|ปิดแชท|พิมพ์ข้อความ…|ส่ง|กำลังส่ง…|ส่งถึงแล้ว|อ่านแล้ว|กำลังพิมพ์…|กำลังเชื่อมต่อใหม่…|ออฟไลน์ ข้อความจะถูกส่งเมื่อกลับมาออนไลน์|เจ้าหน้าที่ของเราจะเข้ามาในไม่ช้า|ยืนยันคำสั่งซื้อ|อีเมล|หมายเลขคำสั่งซื้อ|ยืนยัน|ยืนยันแล้ว|ไม่สามารถยืนยันอีเมลและหมายเลขคำสั่งซื้อได้|ผู้ช่วย|ทีมงาน|คุณ|ดู|ส่งไม่สำเร็จ|ขอบคุณสำหรับการให้คะแนน|จองเวลาปรึกษาทางวิดีโอ|ไม่มีเวลาว่างใน 7 วันข้างหน้า|จองแล้ว:",
  vi: "Trò chuyện với chúng tôi|Mở trò chuyện|Đóng trò chuyện|Nhập tin nhắn…|Gửi|Đang gửi…|Đã nhận|Đã xem|Đang nhập…|Đang kết nối lại…|Ngoại tuyến. Tin nhắn sẽ được gửi khi bạn có mạng trở lại.|Nhân viên của chúng tôi sẽ tham gia ngay.|Xác minh đơn hàng|Email|Mã đơn hàng|Xác minh|Đã xác minh|Không thể xác minh email và mã đơn hàng.|Trợ lý|Nhân viên|Bạn|Xem|Chưa gửi|Cảm ơn bạn đã đánh giá!|Đặt lịch tư vấn qua video|Không còn giờ trống trong 7 ngày tới.|Đã đặt:",
  id: "Chat dengan kami|Buka chat|Tutup chat|Tulis pesan…|Kirim|Mengirim…|Terkirim|Dibaca|Sedang mengetik…|Menyambung ulang…|Offline. Pesan akan dikirim saat Anda kembali online.|Seseorang dari tim kami akan segera bergabung.|Verifikasi pesanan|Email|Nomor pesanan|Verifikasi|Terverifikasi|Email dan nomor pesanan tidak dapat diverifikasi.|Asisten|Tim|Anda|Lihat|Tidak terkirim|Terima kasih atas penilaian Anda!|Pesan konsultasi video|Tidak ada waktu kosong dalam 7 hari ke depan.|Dipesan:",
};

export const LANGUAGES = Object.keys(LINES);
const cache: Record<string, Record<Key, string>> = {};

/** A supported language for a BCP 47 tag ("es-MX" -> "es"), or null. */
export function supported(tag: string | null | undefined): string | null {
  const base = (tag || "").toLowerCase().split(/[-_]/)[0];
  return base in LINES ? base : null;
}

export function strings(lang: string): Record<Key, string> {
  if (!cache[lang]) {
    const parts = (LINES[lang] || LINES.en).split("|");
    cache[lang] = Object.fromEntries(KEYS.map((k, i) => [k, parts[i]])) as Record<Key, string>;
  }
  return cache[lang];
}

export const isRtl = (lang: string) => lang === "ar";
