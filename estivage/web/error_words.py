"""The pages' words for problems, in French then Arabic: one entry per stable error code of the domain
packages (``error.<code>``; a unit test scans their source for every code raised), the form checks of
the pages themselves, and the schema checks of the staff forms.

Variants, looked up before the plain entry:
- ``error.<code>.<field>``: the same code means something else on another field;
- ``error.<code>.n``: the same words with the error's ``params`` by name (``{min_nights}``…), used when
  the error carries every one they name; otherwise the plain entry is shown.
"""

from __future__ import annotations

ERROR_WORDS: dict[str, tuple[str, str]] = {
    "error.title": ("Erreur", "خطأ"),
    "error.forbidden": ("Vous n'avez pas accès à cette page.", "لا يمكنك الوصول إلى هذه الصفحة."),
    "error.not_found": ("Page introuvable.", "الصفحة غير موجودة."),
    # Form checks (pages and the staff forms' schemas).
    "error.invalid": ("Valeur invalide", "قيمة غير صالحة"),
    "error.required": ("Champ obligatoire.", "حقل إلزامي."),
    "error.not_a_number": ("Saisissez un nombre.", "أدخل رقما."),
    "error.not_a_date": ("Saisissez une date (AAAA-MM-JJ).", "أدخل تاريخا (سنة-شهر-يوم)."),
    "error.at_least": ("Au moins {0}.", "على الأقل {0}."),
    "error.at_most": ("Au plus {0}.", "على الأكثر {0}."),
    "error.too_long": ("Trop long : {0} caractères au plus.", "طويل جدا: {0} حرفا على الأكثر."),
    "error.bad_format": (
        "Lettres, chiffres et tirets seulement.",
        "حروف وأرقام وشرطات فقط.",
    ),
    "error.two_decimals": ("Deux décimales au plus.", "رقمان بعد الفاصلة على الأكثر."),
    "error.not_a_choice": ("Choisissez une valeur de la liste.", "اختر قيمة من القائمة."),
    # Bookings: dates, stays, limits.
    "error.invalid_dates": ("Dates invalides.", "تواريخ غير صالحة."),
    "error.departure_before_arrival": (
        "Le départ doit suivre l'arrivée.",
        "يجب أن يكون تاريخ المغادرة بعد تاريخ الوصول.",
    ),
    "error.arrival_in_past": ("L'arrivée est déjà passée.", "تاريخ الوصول قد مضى."),
    "error.arrival_too_far": ("Cette arrivée est trop lointaine.", "تاريخ الوصول بعيد جدا."),
    "error.arrival_too_far.n": (
        "L'arrivée peut être au plus dans {max_days} jours.",
        "يمكن أن يكون الوصول بعد {max_days} يوما على الأكثر.",
    ),
    "error.arrival_weekday": (
        "Les arrivées ne sont pas possibles ce jour-là en cette saison.",
        "لا يمكن الوصول في هذا اليوم خلال هذا الموسم.",
    ),
    "error.arrival_weekday.n": (
        "En cette saison, les arrivées ont lieu le {weekdays}.",
        "في هذا الموسم، يكون الوصول يوم {weekdays}.",
    ),
    "error.invalid_guests": ("Au moins une personne.", "شخص واحد على الأقل."),
    "error.invalid_stay": ("Un séjour compte au moins une nuit.", "تتضمن الإقامة ليلة واحدة على الأقل."),
    "error.stay_too_short": (
        "Séjour trop court pour cette saison.",
        "الإقامة قصيرة جدا بالنسبة لهذا الموسم.",
    ),
    "error.stay_too_short.n": (
        "En cette saison, un séjour dure au moins {min_nights} nuits.",
        "في هذا الموسم، تدوم الإقامة {min_nights} ليال على الأقل.",
    ),
    "error.stay_too_long": ("Séjour trop long pour cette saison.", "الإقامة طويلة جدا بالنسبة لهذا الموسم."),
    "error.stay_too_long.n": (
        "En cette saison, un séjour dure au plus {max_nights} nuits.",
        "في هذا الموسم، تدوم الإقامة {max_nights} ليال على الأكثر.",
    ),
    "error.centre_closed": ("Le centre est fermé à ces dates.", "المركز مغلق في هذه التواريخ."),
    "error.summer_by_application": (
        "Ces nuits sont en saison d'été : elles sont attribuées sur candidature (page Été).",
        "هذه الليالي في الموسم الصيفي: تمنح عن طريق الطلبات (صفحة الصيف).",
    ),
    "error.not_bookable": (
        "Ces dates ne se réservent pas directement.",
        "لا يمكن حجز هذه التواريخ مباشرة.",
    ),
    "error.open_hold_limit": (
        "Vous avez déjà une réservation non payée : payez-la ou annulez-la avant d'en faire une autre.",
        "لديك حجز غير مدفوع: ادفعه أو ألغه قبل القيام بحجز آخر.",
    ),
    "error.yearly_nights_limit": (
        "Vous avez atteint le plafond annuel de nuits hors saison.",
        "لقد بلغت الحد السنوي لليالي خارج الفترة الصيفية.",
    ),
    "error.yearly_nights_limit.n": (
        "Au plus {max_nights} nuits hors saison par an ; il vous en reste {left}.",
        "{max_nights} ليلة على الأكثر خارج الفترة الصيفية في السنة؛ يتبقى لك {left}.",
    ),
    "error.sold_out": (
        "Plus aucun logement de ce type à ces dates.",
        "لم يعد هذا النوع متاحا في هذه التواريخ.",
    ),
    "error.party_too_large": ("Trop de personnes pour ce logement.", "عدد الأشخاص يفوق سعة هذه الوحدة."),
    "error.not_offered": (
        "Ce logement n'est pas proposé pour ces dates.",
        "هذه الوحدة غير معروضة في هذه التواريخ.",
    ),
    "error.not_offered.unit_type": (
        "Ce logement n'est pas proposé à votre catégorie à ces dates.",
        "هذه الوحدة غير معروضة لفئتك في هذه التواريخ.",
    ),
    "error.not_offered.choices": (
        "Ce logement n'est pas proposé pour cette rotation.",
        "هذه الوحدة غير معروضة في هذا الفوج.",
    ),
    "error.promo_not_applicable": (
        "Ce code promotionnel ne s'applique pas à ce séjour.",
        "رمز العرض هذا لا ينطبق على هذه الإقامة.",
    ),
    "error.hold_lost": (
        "Le délai de réservation a expiré et le logement a été pris entre-temps.",
        "انتهت مدة الحجز وأخذت الوحدة في الأثناء.",
    ),
    "error.invalid_transition": (
        "L'état de la réservation ne permet plus cette action.",
        "حالة الحجز لم تعد تسمح بهذا الإجراء.",
    ),
    "error.unit_not_suitable": (
        "Ce logement n'est pas du type réservé.",
        "هذه الوحدة ليست من النوع المحجوز.",
    ),
    "error.unit_taken": ("Ce logement est pris pendant ce séjour.", "هذه الوحدة مشغولة خلال هذه الإقامة."),
    "error.member_not_found": ("Ce compte n'est pas celui d'un adhérent.", "هذا الحساب ليس حساب منخرط."),
    "error.booking_not_found": ("Réservation introuvable.", "الحجز غير موجود."),
    "error.no_pass_yet": (
        "Le laissez-passer est délivré une fois le séjour payé.",
        "تسلم بطاقة الدخول بعد دفع الإقامة.",
    ),
    # Paying.
    "error.not_payable": ("Cette réservation ne peut plus être payée.", "لم يعد من الممكن دفع هذا الحجز."),
    "error.nothing_to_pay": (
        "Ce séjour est gratuit : aucun paiement par carte n'est nécessaire.",
        "هذه الإقامة مجانية: لا حاجة إلى الدفع بالبطاقة.",
    ),
    "error.invalid_instalments": ("Nombre de mensualités invalide.", "عدد الأقساط غير صالح."),
    "error.invalid_instalments.n": (
        "Choisissez de {min} à {max} mensualités.",
        "اختر من {min} إلى {max} أقساط.",
    ),
    "error.instalment_too_small": (
        "Mensualités trop petites : choisissez-en moins.",
        "الأقساط صغيرة جدا: اختر عددا أقل.",
    ),
    "error.credit_not_available": (
        "Le crédit estivage n'est pas proposé à votre catégorie : payez par carte.",
        "قرض الاصطياف غير متاح لفئتك: ادفع بالبطاقة.",
    ),
    "error.credit_already_open": (
        "Vous remboursez déjà un crédit estivage : payez ce séjour par carte.",
        "أنت تسدد قرض اصطياف حاليا: ادفع هذه الإقامة بالبطاقة.",
    ),
    "error.payment_not_found": ("Paiement introuvable.", "الدفع غير موجود."),
    "error.bad_signature": ("Signature de Stripe invalide.", "توقيع Stripe غير صالح."),
    # Rating.
    "error.already_rated": ("Ce séjour est déjà noté.", "تم تقييم هذه الإقامة من قبل."),
    "error.not_rateable_yet": (
        "Vous pourrez noter le séjour à partir du jour du départ.",
        "يمكنك تقييم الإقامة ابتداء من يوم المغادرة.",
    ),
    "error.invalid_score": ("La note va de 1 à 5.", "التقييم من 1 إلى 5."),
    "error.comment_too_long": ("Commentaire trop long.", "التعليق طويل جدا."),
    "error.comment_too_long.n": (
        "Le commentaire compte au plus {max_length} caractères.",
        "يتضمن التعليق {max_length} حرفا على الأكثر.",
    ),
    "error.invalid_comment": (
        "Le commentaire contient un caractère interdit.",
        "يتضمن التعليق حرفا غير مسموح به.",
    ),
    # Summer applications and the draw.
    "error.applications_closed": ("Les candidatures sont closes.", "انتهى أجل تقديم الطلبات."),
    "error.applications_still_open": (
        "Les candidatures sont encore ouvertes.",
        "لا يزال تقديم الطلبات مفتوحا.",
    ),
    "error.already_applied": (
        "Une candidature vient d'être enregistrée pour vous : modifiez-la.",
        "سجل طلب باسمك للتو: عدله.",
    ),
    "error.application_not_found": ("Aucune candidature à cette campagne.", "لا يوجد طلب في هذه الحملة."),
    "error.duplicate_choice": ("Ce choix figure déjà plus haut.", "هذا الاختيار مذكور من قبل."),
    "error.choice_count": ("Choisissez de un à trois logements.", "اختر من وحدة إلى ثلاث وحدات."),
    "error.unknown_centre": ("Centre absent de cette campagne.", "مركز غير موجود في هذه الحملة."),
    "error.unknown_rotation": ("Rotation absente de cette campagne.", "فوج غير موجود في هذه الحملة."),
    "error.unknown_unit_type": (
        "Ce centre n'a pas ce type de logement.",
        "هذا المركز لا يتوفر على هذا النوع.",
    ),
    "error.offer_paid": (
        "Ce séjour est payé : annulez la réservation pour y renoncer.",
        "هذه الإقامة مدفوعة: ألغ الحجز للتخلي عنها.",
    ),
    "error.offer_not_found": (
        "Aucune offre en cours dans cette campagne.",
        "لا يوجد عرض قائم في هذه الحملة.",
    ),
    "error.campaign_not_found": ("Campagne introuvable.", "الحملة غير موجودة."),
    "error.campaign_exists": ("Cette saison d'été a déjà sa campagne.", "لهذا الموسم الصيفي حملته من قبل."),
    "error.campaign_closed": (
        "Les candidatures de cette campagne sont closes : elle ne change plus.",
        "انتهى أجل الطلبات في هذه الحملة: لم يعد بالإمكان تغييرها.",
    ),
    "error.not_a_summer": ("Cette saison n'est pas une saison d'été.", "هذا الموسم ليس موسما صيفيا."),
    "error.deadline_passed": ("La date limite doit être à venir.", "يجب أن يكون الأجل في المستقبل."),
    "error.deadline_too_late": (
        "Les candidatures doivent se clore avant le début de l'été.",
        "يجب أن ينتهي أجل الطلبات قبل بداية الصيف.",
    ),
    "error.no_rotations": ("Cette saison n'a pas de rotations.", "هذا الموسم ليس له أفواج."),
    "error.no_tariff": ("Aucun tarif d'été pour ce logement.", "لا يوجد سعر صيفي لهذه الوحدة."),
    "error.slot_applied_for": (
        "Une candidature porte sur un logement que ce changement retirerait.",
        "يوجد طلب يخص وحدة سيحذفها هذا التغيير.",
    ),
    "error.bad_weights": ("Pondérations du score invalides.", "أوزان النقاط غير صالحة."),
    "error.bad_share": (
        "Les parts réservées vont de 0 à 100 % et ne dépassent pas 100 % en tout.",
        "الحصص المحجوزة من 0 إلى 100٪ ولا يتجاوز مجموعها 100٪.",
    ),
    "error.not_closed": ("Les candidatures ne sont pas encore closes.", "لم ينته أجل الطلبات بعد."),
    "error.already_drawn": ("Le tirage a déjà eu lieu.", "أجريت القرعة من قبل."),
    "error.not_drawn": ("Le tirage n'a pas encore eu lieu.", "لم تجر القرعة بعد."),
    "error.seed_not_revealed": (
        "Le tirage attend la graine révélée.",
        "تنتظر القرعة الكشف عن البذرة.",
    ),
    "error.seed_commitment_mismatch": (
        "La graine enregistrée n'est pas celle de l'engagement publié.",
        "البذرة المسجلة ليست هي التي تم الالتزام بها.",
    ),
    "error.bad_publication": ("Fichier du tirage illisible.", "ملف القرعة غير مقروء."),
    "error.inputs_inconsistent": (
        "Les données publiées du tirage sont incohérentes.",
        "معطيات القرعة المنشورة غير متناسقة.",
    ),
    "error.duplicate_application": (
        "Une candidature figure deux fois dans le tirage.",
        "يوجد طلب مكرر في القرعة.",
    ),
    "error.lottery_mismatch": (
        "L'ordre du tirage ne correspond pas aux candidatures.",
        "ترتيب القرعة لا يطابق الطلبات.",
    ),
    "error.negative_units": (
        "Un nombre de logements ne peut être négatif.",
        "لا يمكن أن يكون عدد الوحدات سالبا.",
    ),
    "error.negative_reservation": (
        "Une réservation de quota ne peut être négative.",
        "لا يمكن أن تكون الحصة المحجوزة سالبة.",
    ),
    "error.reserve_exceeds_units": (
        "La part réservée dépasse le nombre de logements.",
        "الحصة المحجوزة تتجاوز عدد الوحدات.",
    ),
    "error.unknown_slot": ("Logement absent de cette campagne.", "وحدة غير موجودة في هذه الحملة."),
    "error.no_live_offer": ("Aucune offre en cours pour cette candidature.", "لا يوجد عرض قائم لهذا الطلب."),
    # Configuration (staff).
    "error.centre_not_found": ("Centre inconnu.", "مركز غير معروف."),
    "error.centre_exists": ("Ce centre existe déjà.", "هذا المركز موجود من قبل."),
    "error.invalid_time_zone": ("Fuseau horaire inconnu.", "منطقة زمنية غير معروفة."),
    "error.unit_type_not_found": (
        "Ce centre n'a pas ce type de logement.",
        "هذا المركز لا يتوفر على هذا النوع.",
    ),
    "error.unit_type_exists": ("Ce type de logement existe déjà.", "هذا النوع موجود من قبل."),
    "error.unit_not_found": ("Logement inconnu.", "وحدة غير معروفة."),
    "error.unit_exists": ("Ce numéro de logement existe déjà.", "رقم الوحدة هذا موجود من قبل."),
    "error.season_not_found": ("Saison inconnue.", "موسم غير معروف."),
    "error.season_exists": ("Ce code de saison existe déjà.", "رمز الموسم هذا موجود من قبل."),
    "error.season_of_other_centre": (
        "Cette saison est celle d'un autre centre.",
        "هذا الموسم خاص بمركز آخر.",
    ),
    "error.invalid_nights": (
        "Le maximum de nuits doit être au moins égal au minimum.",
        "يجب ألا يقل الحد الأقصى لليالي عن الحد الأدنى.",
    ),
    "error.invalid_rotation": (
        "Les rotations doivent être dans la saison, chacune avec son propre code.",
        "يجب أن تكون الأفواج داخل الموسم، ولكل منها رمزه.",
    ),
    "error.invalid_quota": (
        "Donnez soit un nombre de logements, soit une part.",
        "حدد إما عدد الوحدات وإما النسبة.",
    ),
    "error.range_too_long": ("Période trop longue.", "المدة طويلة جدا."),
    "error.range_too_long.n": (
        "Au plus {max_nights} nuits à la fois.",
        "{max_nights} ليلة على الأكثر في كل مرة.",
    ),
    "error.invalid_promotion": (
        "Ce type de promotion demande ce champ.",
        "هذا النوع من العروض يتطلب هذا الحقل.",
    ),
    "error.invalid_promotion.pay_nights": (
        "Il faut moins de nuits payées que de nuits séjournées.",
        "يجب أن تكون الليالي المدفوعة أقل من ليالي الإقامة.",
    ),
    "error.cap_set_and_cleared": (
        "Une limite ne peut être à la fois fixée et levée.",
        "لا يمكن تحديد السقف ورفعه في آن واحد.",
    ),
    "error.promotion_code_exists": ("Une promotion a déjà ce code.", "يوجد عرض بهذا الرمز من قبل."),
    "error.promotion_not_found": ("Promotion introuvable.", "العرض غير موجود."),
    "error.device_not_found": ("Borne introuvable.", "الجهاز غير موجود."),
    "error.pass_id_required": (
        "Un passage accordé nomme son laissez-passer.",
        "كل مرور مقبول يحدد بطاقة الدخول الخاصة به.",
    ),
    "error.instant_without_offset": (
        "Une heure sans son décalage horaire (par exemple +01:00) n'est pas un instant.",
        "الوقت بدون فارق التوقيت (مثلا ‎+01:00‎) ليس لحظة محددة.",
    ),
    "error.too_many_reissues": (
        "Le laissez-passer a déjà été renouvelé trop souvent aujourd'hui ; réessayez demain.",
        "تم تجديد بطاقة الدخول مرات كثيرة اليوم؛ أعد المحاولة غدا.",
    ),
    "error.too_many_reissues.n": (
        "Le laissez-passer peut être renouvelé {limit} fois par 24 heures ; réessayez plus tard.",
        "يمكن تجديد بطاقة الدخول {limit} مرات في 24 ساعة؛ أعد المحاولة لاحقا.",
    ),
}
