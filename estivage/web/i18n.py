"""The pages' words in French and Arabic: a small catalogue, one entry per key.

Arabic pages are right to left (``dir="rtl"``). A key missing from the catalogue shows as itself, so a
forgotten entry is visible on the page rather than an error. Domain errors are translated by their stable
``code`` (``error_words.py``: a unit test holds every code the domain packages raise to having both
languages); a code the catalogue does not know yet shows the API's own detail.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from estivage.web.error_words import ERROR_WORDS
from kernel.errors import DomainError

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
    "pay.card_unavailable": (
        "Le paiement par carte est momentanément indisponible. Réessayez plus tard ou payez par retenue "
        "sur salaire.",
        "الدفع بالبطاقة غير متاح مؤقتا. أعد المحاولة لاحقا أو ادفع بالاقتطاع من الأجر.",
    ),
    "paytest.title": ("Paiement de test", "دفع تجريبي"),
    "paytest.banner": (
        "MODE TEST — aucun argent ne circule",
        "وضع الاختبار — لا يتم تحويل أي مبلغ",
    ),
    "paytest.booking": ("Réservation", "الحجز"),
    "paytest.amount": ("Montant", "المبلغ"),
    "paytest.status": ("Paiement", "الدفع"),
    "paytest.confirm": ("Confirmer le paiement (test)", "تأكيد الدفع (تجريبي)"),
    "paytest.back": ("Retour à ma réservation", "العودة إلى حجزي"),
    "payment.pending": ("En attente de confirmation", "في انتظار التأكيد"),
    "payment.succeeded": ("Paiement reçu : votre réservation est confirmée.", "تم استلام الدفع: حجزك مؤكد."),
    "payment.failed": ("Paiement refusé", "تم رفض الدفع"),
    "payment.refunded": ("Paiement remboursé", "تم استرجاع المبلغ"),
    "notice.hold_lost_refunded": (
        "Votre paiement de {0} est arrivé après l'expiration de votre réservation provisoire, et le logement "
        "a été pris entre-temps : il vous a été intégralement remboursé.",
        "وصل دفعك بمبلغ {0} بعد انتهاء مدة الحجز المؤقت وأخذت الوحدة في الأثناء: تم استرجاع المبلغ كاملا.",
    ),
    "pass.title": ("Laissez-passer", "بطاقة الدخول"),
    "pass.download": ("Télécharger le laissez-passer (PNG)", "تحميل بطاقة الدخول (PNG)"),
    "cancel.title": ("Annuler la réservation", "إلغاء الحجز"),
    "cancel.link": ("Annuler…", "إلغاء…"),
    "cancel.refund_will_be": ("Remboursement si vous annulez maintenant", "المبلغ المسترد إذا ألغيت الآن"),
    "cancel.paid": ("Payé", "المدفوع"),
    "cancel.confirm": ("Confirmer l'annulation", "تأكيد الإلغاء"),
    "cancel.back": ("Garder ma réservation", "الاحتفاظ بالحجز"),
    "cancel.done": ("Réservation annulée.", "تم إلغاء الحجز."),
    "cancel.policy": ("Conditions d'annulation", "شروط الإلغاء"),
    "cancel.tier": (
        "{0} remboursés pour une annulation au moins {1} jour(s) avant l'arrivée.",
        "يسترجع {0} عند الإلغاء قبل الوصول بـ {1} يوم أو أكثر.",
    ),
    "cancel.after_tiers": (
        "Plus tard, ou une fois le séjour commencé, rien n'est remboursé.",
        "بعد ذلك، أو بعد بداية الإقامة، لا يسترجع أي مبلغ.",
    ),
    "cancel.too_late": (
        "Aucun remboursement avec un préavis aussi court.",
        "لا استرجاع مع إشعار بهذا القصر.",
    ),
    "cancel.started": ("Aucun remboursement une fois le séjour commencé.", "لا استرجاع بعد بداية الإقامة."),
    "rate.title": ("Notez votre séjour", "قيّم إقامتك"),
    "rate.score": ("Note (1 à 5)", "التقييم (من 1 إلى 5)"),
    "rate.comment": ("Commentaire", "تعليق"),
    "rate.submit": ("Envoyer", "إرسال"),
    "rate.yours": ("Votre note", "تقييمك"),
    "summer.title": ("Séjours d'été : candidatures", "الاصطياف الصيفي: الطلبات"),
    "summer.none": ("Aucune campagne d'été pour le moment.", "لا توجد حملة صيفية حاليا."),
    "summer.campaign": ("Campagne", "الحملة"),
    "summer.closes": ("Candidatures jusqu'au", "آخر أجل لتقديم الطلبات"),
    "summer.closed": ("Les candidatures sont closes.", "انتهى أجل تقديم الطلبات."),
    "summer.offered": ("Logements proposés", "الوحدات المعروضة"),
    "summer.rotation": ("Rotation", "الفوج"),
    "summer.units": ("Logements", "عدد الوحدات"),
    "summer.capacity": ("Personnes au plus", "أقصى عدد من الأشخاص"),
    "summer.choice": ("Choix", "الاختيار"),
    "summer.choice_hint": (
        "Jusqu'à trois choix, par ordre de préférence ; laissez vides ceux dont vous n'avez pas besoin.",
        "حتى ثلاثة اختيارات حسب الأفضلية؛ اترك فارغا ما لا تحتاجه.",
    ),
    "summer.party_size": ("Personnes (vous compris)", "عدد الأشخاص (بمن فيهم أنت)"),
    "summer.submit": ("Envoyer ma candidature", "إرسال الطلب"),
    "summer.update": ("Enregistrer les modifications", "حفظ التعديلات"),
    "summer.withdraw": ("Retirer ma candidature", "سحب الطلب"),
    "summer.withdrawn": (
        "Vous avez retiré votre candidature ; vous pouvez candidater à nouveau jusqu'à la date limite.",
        "لقد سحبت طلبك؛ يمكنك التقدم من جديد قبل انتهاء الأجل.",
    ),
    "summer.not_applied": ("Vous n'avez pas de candidature à cette campagne.", "ليس لديك طلب في هذه الحملة."),
    "summer.your_application": ("Votre candidature", "طلبك"),
    "summer.public_id": ("Numéro public de candidature", "الرقم العمومي للطلب"),
    "summer.score": ("Score", "النقاط"),
    "summer.priority": ("Rang de priorité", "ترتيب الأولوية"),
    "summer.lottery_rank": ("rang au tirage", "الترتيب في القرعة"),
    "summer.result": ("Résultat", "النتيجة"),
    "summer.awaiting_draw": ("Le tirage n'a pas encore eu lieu.", "لم تجر القرعة بعد."),
    "summer.offer": ("Un logement vous est proposé.", "اقترحت عليك وحدة سكنية."),
    "summer.pay_before": ("À payer avant le", "يجب الدفع قبل"),
    "summer.pay": ("Payer ce séjour", "ادفع هذه الإقامة"),
    "summer.paid": ("Séjour payé", "تم دفع الإقامة"),
    "summer.decline": ("Refuser l'offre…", "رفض العرض…"),
    "summer.decline_title": ("Refuser l'offre", "رفض العرض"),
    "summer.decline_warning": (
        "Le logement sera aussitôt proposé au suivant sur la liste d'attente ; ce refus est définitif.",
        "ستعرض الوحدة فورا على الموالي في لائحة الانتظار؛ هذا الرفض نهائي.",
    ),
    "summer.decline_confirm": ("Confirmer le refus", "تأكيد الرفض"),
    "summer.decline_back": ("Garder l'offre", "الاحتفاظ بالعرض"),
    "summer.waiting": ("Vous êtes sur liste d'attente.", "أنت في لائحة الانتظار."),
    "summer.position": ("rang", "الترتيب"),
    "summer.lapsed": (
        "L'offre n'a pas été payée avant la date limite ; le logement est passé au suivant.",
        "لم يتم دفع العرض قبل انتهاء الأجل؛ انتقلت الوحدة إلى الموالي.",
    ),
    "summer.declined": ("Vous avez refusé l'offre.", "لقد رفضت العرض."),
    "summer.check": ("Vérifier le tirage", "التحقق من القرعة"),
    "summer.commitment": ("Engagement sur la graine d'ouverture (SHA-256)", "التزام بذرة الافتتاح (SHA-256)"),
    "summer.close_commitment": (
        "Engagement sur la graine de clôture (SHA-256)",
        "التزام بذرة الإغلاق (SHA-256)",
    ),
    "summer.digest": ("Empreinte des candidatures", "بصمة الطلبات"),
    "summer.seed": ("Graine d'ouverture révélée", "بذرة الافتتاح المكشوفة"),
    "summer.close_seed": ("Graine de clôture révélée", "بذرة الإغلاق المكشوفة"),
    "summer.inputs": ("Données du tirage (JSON)", "معطيات القرعة (JSON)"),
    "summer.results_csv": ("Résultats (CSV)", "النتائج (CSV)"),
    "summer.results_json": ("Résultats (JSON)", "النتائج (JSON)"),
    "summer.offers_csv": ("Offres après le tirage (CSV)", "العروض بعد القرعة (CSV)"),
    "summer.cancelled": (
        "Ce séjour payé a été annulé ; le logement est proposé au suivant sur la liste.",
        "أُلغي هذا الحجز المؤدى عنه؛ يُعرض المسكن على التالي في اللائحة.",
    ),
    "summer.check_hint": (
        "Chacun peut refaire le tirage avec ces fichiers et vérifier chaque graine par son engagement.",
        "يمكن لأي شخص إعادة القرعة انطلاقا من هذه الملفات والتحقق من كل بذرة بواسطة التزامها.",
    ),
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
    "manage.inside": ("Présents", "الحاضرون"),
    "manage.entered_at": ("Entrée", "وقت الدخول"),
    "manage.peak": ("au plus", "على الأكثر"),
    "staff.kpis": ("Indicateurs de l'année", "مؤشرات السنة"),
    "staff.stays": ("Séjours", "الإقامات"),
    "staff.access_rate": ("Taux d'accès (adhérents ayant séjourné)", "نسبة الاستفادة (المنخرطون المستفيدون)"),
    "staff.satisfaction": ("Satisfaction", "الرضا"),
    "staff.ratings": ("avis", "تقييم"),
    "staff.occupancy_rate": ("Taux d'occupation", "نسبة الإشغال"),
    "staff.revenue": ("Recettes", "المداخيل"),
    "staff.members": ("Adhérents", "المنخرطون"),
    "staff.with_stay": ("Avec un séjour", "لهم إقامة"),
    "staff.occupancy_note": (
        "Nuits des séjours payés, sur les nuits où le centre est ouvert.",
        "ليالي الإقامات المدفوعة، من الليالي التي يكون فيها المركز مفتوحا.",
    ),
    "category.active": ("En activité", "في حالة نشاط"),
    "category.retired": ("Retraités", "متقاعدون"),
    "season.kind.summer": ("Été", "الصيف"),
    "season.kind.off_season": ("Hors saison", "خارج الفترة الصيفية"),
    "season.kind.closed": ("Fermé", "مغلق"),
    "weekday.1": ("lundi", "الاثنين"),
    "weekday.2": ("mardi", "الثلاثاء"),
    "weekday.3": ("mercredi", "الأربعاء"),
    "weekday.4": ("jeudi", "الخميس"),
    "weekday.5": ("vendredi", "الجمعة"),
    "weekday.6": ("samedi", "السبت"),
    "weekday.7": ("dimanche", "الأحد"),
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
    "promo.centres": ("Centres", "المراكز"),
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
    "promo.unit_types": ("Types de logement", "أنواع الوحدات"),
    "promo.categories": ("Catégories d'adhérents", "فئات المنخرطين"),
    "promo.weekdays": ("Jours d'arrivée", "أيام الوصول"),
    "promo.none_is_any": (
        "Rien de coché dans une liste : la promotion vaut pour tous.",
        "إذا لم يحدد أي اختيار في قائمة، يشمل العرض الجميع.",
    ),
    "promo.book_from": ("Réservations du", "الحجوزات من"),
    "promo.book_until": ("au", "إلى"),
    "promo.max_uses_per_member": ("Utilisations par adhérent", "الاستعمالات لكل منخرط"),
    "promo.exclusive": (
        "Exclusive (ne se cumule avec aucune autre)",
        "حصري (لا يجمع مع أي عرض آخر)",
    ),
    "promo.blank_no_limit": ("Un plafond vide : sans limite.", "سقف فارغ: بدون حد."),
    "config.seasons": ("Saisons", "المواسم"),
    "config.tariffs": ("Tarifs (par nuit)", "الأسعار (لكل ليلة)"),
    "config.quotas": ("Quotas", "الحصص"),
    "config.note": ("Tarifs, quotas et saisons de la fondation.", "أسعار وحصص ومواسم المؤسسة."),
    "config.blank_unchanged": ("Un champ vide ne change rien.", "الحقل الفارغ لا يغير شيئا."),
    "config.max_nights": ("Nuits maximum", "أقصى عدد من الليالي"),
    "config.nightly": ("Prix par nuit (MAD)", "الثمن لكل ليلة (درهم)"),
    "config.units": ("Logements", "عدد الوحدات"),
    "config.share": ("ou part (%)", "أو نسبة (%)"),
    "config.new_season": ("Nouvelle saison", "موسم جديد"),
    "config.create": ("Créer", "إنشاء"),
    "config.code": ("Code", "الرمز"),
    "config.name": ("Nom", "الاسم"),
    "config.name_fr": ("Nom (français)", "الاسم (بالفرنسية)"),
    "config.name_ar": ("Nom (arabe)", "الاسم (بالعربية)"),
    "config.kind": ("Type", "النوع"),
    "config.season": ("Saison", "الموسم"),
    "config.all_centres": ("Tous les centres", "جميع المراكز"),
    "config.ends_before": ("Jusqu'au (exclu)", "إلى (غير مشمول)"),
    "config.arrival_days": (
        "Jours d'arrivée (rien de coché : tous)",
        "أيام الوصول (بدون اختيار: كل الأيام)",
    ),
    "devices.title": ("Bornes d'accès", "أجهزة الدخول"),
    "devices.name": ("Nom", "الاسم"),
    "devices.create": ("Enrôler", "تسجيل"),
    "devices.token_once": (
        "Jeton de la borne — affiché cette seule fois, copiez-le maintenant :",
        "رمز الجهاز — يظهر هذه المرة فقط، انسخه الآن:",
    ),
    "devices.revoked": ("Révoquée", "ملغى"),
    "devices.last_seen": ("Vue pour la dernière fois", "آخر اتصال"),
    "devices.active": ("Active", "نشط"),
    "devices.revoke": ("Révoquer", "إلغاء"),
    # The gates of a centre (estivage/web/templates/_gates.html).
    "gates.title": ("Bornes du centre", "أجهزة دخول المركز"),
    "gates.none": ("Aucune borne enrôlée.", "لا يوجد أي جهاز مسجل."),
    "gates.version": ("Version", "الإصدار"),
    "gates.last_sync": ("Dernière synchronisation", "آخر مزامنة"),
    "gates.never": ("jamais", "أبدا"),
    "gates.backlog": ("En attente d'envoi", "في انتظار الإرسال"),
    "gates.clock": ("Écart d'horloge", "فارق الساعة"),
    "gates.seconds": ("s", "ث"),
    "gates.stale": (
        "Pas de synchronisation depuis plus de 10 minutes",
        "لا مزامنة منذ أكثر من 10 دقائق",
    ),
    "gates.ok": ("À jour", "محدث"),
    "gates.overrides": ("Ouvertures manuelles (7 jours)", "فتح يدوي (7 أيام)"),
    "gates.override_at": ("Quand", "متى"),
    "gates.gate": ("Borne", "الجهاز"),
    "gates.reason": ("Motif", "السبب"),
    "gates.booking": ("Réservation", "الحجز"),
    **ERROR_WORDS,
}


def translate(lang: str, key: str) -> str:
    entry = CATALOGUE.get(key)
    if entry is None:
        return key
    return entry[1] if lang == "ar" else entry[0]


def error_text(lang: str, error: DomainError) -> str:
    """The catalogue's words for a known error code, else the API's detail.

    A variant for the field (``error.<code>.<field>``, the field's name without its index) comes first;
    then the words with the error's params (``error.<code>.n``) when it carries all they name; then the
    plain words."""
    key = f"error.{error.code}"
    if key not in CATALOGUE:
        return error.detail
    name = re.match(r"[a-z_]+", error.field or "")
    if name and f"{key}.{name.group(0)}" in CATALOGUE:
        return translate(lang, f"{key}.{name.group(0)}")
    if f"{key}.n" in CATALOGUE:
        try:
            return translate(lang, f"{key}.n").format_map(_shown(lang, error.params))
        except KeyError:  # a param the words need is not carried: the plain words say it without
            pass
    return translate(lang, key)


def _shown(lang: str, params: Mapping[str, int | str]) -> dict[str, int | str]:
    """The params as the page writes them: ISO weekdays ("5,6") by their names in its language."""
    shown = dict(params)
    if "weekdays" in params:
        names = [translate(lang, f"weekday.{d}") for d in str(params["weekdays"]).split(",")]
        shown["weekdays"] = ("، " if lang == "ar" else ", ").join(names)
    return shown


def choose_language(cookie: str | None, accept_language: str) -> str:
    if cookie in LANGUAGES:
        return str(cookie)
    return "ar" if accept_language.lower().lstrip().startswith("ar") else DEFAULT_LANGUAGE
