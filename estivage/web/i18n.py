"""The pages' words in French and Arabic: a small catalogue, one entry per key.

Arabic pages are right to left (``dir="rtl"``). A key missing from the catalogue shows as itself, so a
forgotten entry is visible on the page rather than an error. Domain errors are translated by their stable
``code`` when the catalogue knows it, and otherwise show the API's own detail.
"""

from __future__ import annotations

LANGUAGES = ("ar", "fr")
DEFAULT_LANGUAGE = "fr"
DIRECTION = {"ar": "rtl", "fr": "ltr"}

# Each key maps to its French text, then its Arabic text.
CATALOGUE: dict[str, tuple[str, str]] = {
    "app.name": ("Estivage", "الاصطياف"),
    "nav.search": ("Réserver", "حجز"),
    "nav.bookings": ("Mes réservations", "حجوزاتي"),
    "nav.summer": ("Été (candidatures)", "الصيف (الطلبات)"),
    "nav.manage": ("Centres", "المراكز"),
    "nav.staff": ("Tableau de bord", "لوحة القيادة"),
    "nav.promotions": ("Promotions", "العروض"),
    "nav.config": ("Saisons et tarifs", "المواسم والأسعار"),
    "nav.devices": ("Bornes", "الأجهزة"),
    "nav.logout": ("Se déconnecter", "تسجيل الخروج"),
    "nav.language": ("Langue", "اللغة"),
    "lang.ar": ("العربية", "العربية"),
    "lang.fr": ("Français", "Français"),
    "login.title": ("Connexion", "تسجيل الدخول"),
    "login.username": ("Identifiant (numéro d'adhérent)", "اسم المستخدم (رقم المنخرط)"),
    "login.password": ("Mot de passe", "كلمة المرور"),
    "login.submit": ("Se connecter", "دخول"),
    "login.bad": ("Identifiant ou mot de passe incorrect", "اسم المستخدم أو كلمة المرور غير صحيحة"),
    "search.title": ("Rechercher un séjour", "البحث عن إقامة"),
    "search.centre": ("Centre", "المركز"),
    "search.arrival": ("Arrivée", "الوصول"),
    "search.departure": ("Départ", "المغادرة"),
    "search.guests": ("Personnes", "عدد الأشخاص"),
    "search.promo_code": ("Code promotionnel (facultatif)", "رمز العرض (اختياري)"),
    "search.submit": ("Voir les disponibilités", "عرض المتاح"),
    "search.none": ("Aucun logement ne convient à ces dates.", "لا يوجد سكن مناسب في هذه التواريخ."),
    "offer.capacity": ("personnes au plus", "أشخاص كحد أقصى"),
    "offer.available": ("disponibles", "متاحة"),
    "offer.nights": ("nuits", "ليال"),
    "offer.subtotal": ("Prix", "الثمن"),
    "offer.discount": ("Remise", "التخفيض"),
    "offer.total": ("Total", "المجموع"),
    "offer.hold": ("Réserver", "احجز"),
    "offer.sold_out": ("Complet", "مكتمل"),
    "booking.title": ("Réservation", "الحجز"),
    "booking.none": ("Vous n'avez pas encore de réservation.", "ليس لديك أي حجز بعد."),
    "booking.unit": ("Logement", "الوحدة"),
    "booking.status": ("Statut", "الحالة"),
    "booking.dates": ("Dates", "التواريخ"),
    "booking.hold_until": ("Réservé pour vous jusqu'à", "محجوز لك حتى"),
    "booking.refund": ("Remboursement", "المبلغ المسترد"),
    "booking.promotion": ("Promotion", "العرض"),
    "booking.open": ("Voir", "عرض"),
    "status.held": ("En attente de paiement", "في انتظار الدفع"),
    "status.confirmed": ("Confirmée", "مؤكد"),
    "status.cancelled": ("Annulée", "ملغى"),
    "status.expired": ("Expirée", "منتهي الصلاحية"),
    "status.checked_in": ("Sur place", "في المركز"),
    "status.completed": ("Terminée", "منتهي"),
    "status.no_show": ("Non présenté", "لم يحضر"),
    "pay.title": ("Payer", "الدفع"),
    "pay.card": ("Payer par carte", "الدفع بالبطاقة"),
    "pay.payroll": ("Payer par retenue sur salaire", "الدفع بالاقتطاع من الأجر"),
    "pay.instalments": ("Mensualités", "عدد الأقساط"),
    "pay.card_details": ("Carte bancaire", "البطاقة البنكية"),
    "pay.submit": ("Payer maintenant", "ادفع الآن"),
    "pass.title": ("Laissez-passer", "بطاقة الدخول"),
    "pass.download": ("Télécharger le laissez-passer (PNG)", "تحميل بطاقة الدخول (PNG)"),
    "cancel.title": ("Annuler la réservation", "إلغاء الحجز"),
    "cancel.link": ("Annuler…", "إلغاء…"),
    "cancel.refund_will_be": ("Remboursement si vous annulez maintenant", "المبلغ المسترد إذا ألغيت الآن"),
    "cancel.paid": ("Payé", "المدفوع"),
    "cancel.confirm": ("Confirmer l'annulation", "تأكيد الإلغاء"),
    "cancel.back": ("Garder ma réservation", "الاحتفاظ بالحجز"),
    "cancel.done": ("Réservation annulée.", "تم إلغاء الحجز."),
    "rate.title": ("Notez votre séjour", "قيّم إقامتك"),
    "rate.score": ("Note (1 à 5)", "التقييم (من 1 إلى 5)"),
    "rate.comment": ("Commentaire", "تعليق"),
    "rate.submit": ("Envoyer", "إرسال"),
    "rate.yours": ("Votre note", "تقييمك"),
    "manage.title": ("Centres", "المراكز"),
    "manage.occupancy": ("Occupation par nuit", "نسبة الإشغال لكل ليلة"),
    "manage.from": ("Du", "من"),
    "manage.to": ("Au", "إلى"),
    "manage.show": ("Afficher", "عرض"),
    "manage.units": ("Logements occupés", "الوحدات المشغولة"),
    "manage.units_total": ("Logements en service", "الوحدات في الخدمة"),
    "manage.persons": ("Personnes", "الأشخاص"),
    "manage.night": ("Nuit", "الليلة"),
    "manage.arrivals": ("Arrivées aujourd'hui", "الوافدون اليوم"),
    "manage.departures": ("Départs aujourd'hui", "المغادرون اليوم"),
    "manage.on_site": ("Sur place maintenant", "في المركز الآن"),
    "manage.on_site_note": (
        "Selon les passages aux bornes, mis à jour en direct.",
        "حسب عمليات المرور عبر الأجهزة، يتم التحديث مباشرة.",
    ),
    "manage.quota": ("Quotas cette nuit", "الحصص هذه الليلة"),
    "manage.category": ("Catégorie", "الفئة"),
    "manage.unit_type": ("Type", "النوع"),
    "manage.used": ("Pris", "المستعمل"),
    "manage.limit": ("Quota", "الحصة"),
    "manage.csv": ("Exporter en CSV", "تصدير CSV"),
    "manage.member": ("Adhérent", "المنخرط"),
    "manage.none": ("Aucun", "لا أحد"),
    "staff.kpis": ("Indicateurs de l'année", "مؤشرات السنة"),
    "staff.stays": ("Séjours", "الإقامات"),
    "staff.access_rate": ("Taux d'accès (adhérents ayant séjourné)", "نسبة الاستفادة (المنخرطون المستفيدون)"),
    "staff.satisfaction": ("Satisfaction", "الرضا"),
    "staff.ratings": ("avis", "تقييم"),
    "staff.occupancy_rate": ("Taux d'occupation", "نسبة الإشغال"),
    "staff.revenue": ("Recettes", "المداخيل"),
    "staff.members": ("Adhérents", "المنخرطون"),
    "staff.with_stay": ("Avec un séjour", "لهم إقامة"),
    "promo.title": ("Promotions", "العروض"),
    "promo.new": ("Nouvelle promotion", "عرض جديد"),
    "promo.name": ("Nom", "الاسم"),
    "promo.kind": ("Type", "النوع"),
    "promo.kind.percentage": ("Pourcentage", "نسبة مئوية"),
    "promo.kind.fixed": ("Montant fixe", "مبلغ ثابت"),
    "promo.kind.stay_pay": ("N nuits pour M", "ليال مقابل أقل"),
    "promo.percent": ("Remise (%)", "التخفيض (%)"),
    "promo.amount": ("Montant (MAD)", "المبلغ (درهم)"),
    "promo.stay_nights": ("Nuits séjournées", "ليالي الإقامة"),
    "promo.pay_nights": ("Nuits payées", "الليالي المدفوعة"),
    "promo.code": ("Code (vide = automatique)", "الرمز (فارغ = تلقائي)"),
    "promo.centres": ("Centres (codes séparés par des virgules)", "المراكز (رموز مفصولة بفواصل)"),
    "promo.stay_from": ("Séjours du", "الإقامات من"),
    "promo.stay_until": ("au", "إلى"),
    "promo.min_nights": ("Nuits minimum", "أقل عدد من الليالي"),
    "promo.max_uses": ("Utilisations maximum", "أقصى عدد من الاستعمالات"),
    "promo.budget": ("Budget (MAD)", "الميزانية (درهم)"),
    "promo.uses": ("Utilisations", "الاستعمالات"),
    "promo.spent": ("Budget dépensé", "الميزانية المستهلكة"),
    "promo.paused": ("En pause", "متوقف"),
    "promo.active": ("Active", "نشط"),
    "promo.pause": ("Mettre en pause", "إيقاف"),
    "promo.resume": ("Reprendre", "استئناف"),
    "promo.save": ("Enregistrer", "حفظ"),
    "promo.edit": ("Modifier", "تعديل"),
    "config.seasons": ("Saisons", "المواسم"),
    "config.tariffs": ("Tarifs (par nuit)", "الأسعار (لكل ليلة)"),
    "config.quotas": ("Quotas", "الحصص"),
    "config.note": ("Tarifs, quotas et saisons de la fondation.", "أسعار وحصص ومواسم المؤسسة."),
    "config.blank_unchanged": ("Un champ vide ne change rien.", "الحقل الفارغ لا يغير شيئا."),
    "config.max_nights": ("Nuits maximum", "أقصى عدد من الليالي"),
    "config.nightly": ("Prix par nuit (MAD)", "الثمن لكل ليلة (درهم)"),
    "config.units": ("Logements", "عدد الوحدات"),
    "config.share": ("ou part (%)", "أو نسبة (%)"),
    "devices.title": ("Bornes d'accès", "أجهزة الدخول"),
    "devices.name": ("Nom", "الاسم"),
    "devices.create": ("Enrôler", "تسجيل"),
    "devices.token_once": (
        "Jeton de la borne — affiché cette seule fois, copiez-le maintenant :",
        "رمز الجهاز — يظهر هذه المرة فقط، انسخه الآن:",
    ),
    "devices.revoked": ("Révoquée", "ملغى"),
    "devices.last_seen": ("Vue pour la dernière fois", "آخر اتصال"),
    "error.title": ("Erreur", "خطأ"),
    "error.forbidden": ("Vous n'avez pas accès à cette page.", "لا يمكنك الوصول إلى هذه الصفحة."),
    "error.not_found": ("Page introuvable.", "الصفحة غير موجودة."),
    "error.invalid": ("Valeur invalide", "قيمة غير صالحة"),
    "error.sold_out": (
        "Plus aucun logement de ce type à ces dates.",
        "لم يعد هذا النوع متاحا في هذه التواريخ.",
    ),
    "error.party_too_large": ("Trop de personnes pour ce logement.", "عدد الأشخاص يفوق سعة هذه الوحدة."),
    "error.invalid_dates": ("Dates invalides.", "تواريخ غير صالحة."),
    "error.departure_before_arrival": (
        "Le départ doit suivre l'arrivée.",
        "يجب أن يكون تاريخ المغادرة بعد تاريخ الوصول.",
    ),
    "error.arrival_in_past": ("L'arrivée est déjà passée.", "تاريخ الوصول قد مضى."),
    "error.centre_not_found": ("Centre inconnu.", "مركز غير معروف."),
    "error.promo_not_applicable": (
        "Ce code promotionnel ne s'applique pas à ce séjour.",
        "رمز العرض هذا لا ينطبق على هذه الإقامة.",
    ),
    "error.already_rated": ("Ce séjour est déjà noté.", "تم تقييم هذه الإقامة من قبل."),
    "error.not_rateable_yet": (
        "Vous pourrez noter le séjour à partir du jour du départ.",
        "يمكنك تقييم الإقامة ابتداء من يوم المغادرة.",
    ),
    "error.invalid_score": ("La note va de 1 à 5.", "التقييم من 1 إلى 5."),
    "error.required": ("Champ obligatoire.", "حقل إلزامي."),
}


def translate(lang: str, key: str) -> str:
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    return entry[1] if lang == "ar" else entry[0]


def error_text(lang: str, code: str, detail: str) -> str:
    """The catalogue's words for a known error code, else the API's detail."""
    key = f"error.{code}"
    return translate(lang, key) if key in CATALOGUE else detail


def choose_language(cookie: str | None, accept_language: str) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    return "ar" if accept_language.lower().lstrip().startswith("ar") else DEFAULT_LANGUAGE
