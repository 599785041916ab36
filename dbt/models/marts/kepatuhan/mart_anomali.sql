{#- The review list (issue 14 §4): one row per case a rule of reference.ref_aturan_anomali finds,
    with the rule, its figures, the words "untuk ditelaah" (a list to check, not an accusation)
    and links back to the source rows: the SP2D numbers (nomor_sp2d) and the DPA lines
    (kunci_rincian, tahap|kode_sub_kegiatan|no_rincian). Payments are the recognised spending of
    int_sp2d_paid_to_penerima (the LRA rule, with the recipient); payment beyond the DPA line is
    the melebihi_pagu flag of mart_anggaran_realisasi (int_anggaran_realisasi_joined), reused.

    Rules (thresholds in the seed, which also holds the legal basis and when a row may be fine):
    - pembayaran_ganda: the same recipient and amount, dates at most jendela_hari apart;
    - pemecahan_paket: at least jumlah_minimal payments from one OPD to one recipient within
      jendela_hari days, each between rasio_minimal x and under the pengadaan langsung limit of
      its account (ref_ambang_pengadaan, longest prefix), together over that limit, to a
      recipient at least porsi_minimal of whose payments of that kind from the OPD that year are
      in that band (a regular supplier or a tendered contract's termins is not judged);
    - sesudah_batas_tahun: dated after the year's closing date (batas_bulan_hari);
    - melebihi_pagu: a DPA line whose realisation exceeds its pagu akhir; the SP2D listed are
      those from the one that took the line over;
    - harga_satuan_tinggi: a final-phase line priced at least rasio_minimal x the city median of
      the same component and unit with robust score 0.6745 (x - median) / MAD at least
      skor_minimal (any score when MAD is 0), among at least jumlah_minimal lines of 2+ OPDs;
    - lompatan_tahap: the same line's unit price at least rasio_minimal x its price in the
      OPD's previous phase that year. -#}
with

aturan as (

    select * from {{ ref('ref_aturan_anomali') }}

),

bayar as (

    select
        *,
        {{ rupiah_teks('nilai_rp') }} as nilai_teks
    from {{ ref('int_sp2d_paid_to_penerima') }}
    where nilai_rp > 0 and kode_penerima is not null

),

bayar_dinilai as (

    select
        bayar.*,
        aturan.kode_aturan,
        aturan.jendela_hari,
        aturan.jumlah_minimal,
        aturan.rasio_minimal,
        aturan.porsi_minimal,
        aturan.nilai_minimal_rp,
        aturan.batas_bulan_hari
    from bayar
    inner join aturan
        on list_contains(string_split(aturan.jenis_sp2d, ','), bayar.jenis_sp2d)

),

-- pembayaran_ganda ------------------------------------------------------------------------
ganda_pasangan as (

    select
        pertama.kode_pemda,
        pertama.tahun,
        pertama.kode_skpd,
        pertama.kode_penerima,
        pertama.nilai_rp,
        pertama.nomor_sp2d as nomor_a,
        kedua.nomor_sp2d as nomor_b,
        pertama.tanggal_sp2d as tanggal_a,
        kedua.tanggal_sp2d as tanggal_b,
        pertama.jendela_hari
    from bayar_dinilai as pertama
    inner join bayar_dinilai as kedua
        on
            pertama.kode_pemda = kedua.kode_pemda
            and pertama.tahun = kedua.tahun
            and pertama.kode_penerima = kedua.kode_penerima
            and pertama.nilai_rp = kedua.nilai_rp
            and pertama.nomor_sp2d < kedua.nomor_sp2d
            and kedua.kode_aturan = 'pembayaran_ganda'
            and abs(date_diff('day', pertama.tanggal_sp2d, kedua.tanggal_sp2d))
            <= pertama.jendela_hari
    where
        pertama.kode_aturan = 'pembayaran_ganda'
        and pertama.nilai_rp >= coalesce(pertama.nilai_minimal_rp, 0)

),

ganda_anggota as (

    select
        kode_pemda,
        tahun,
        kode_penerima,
        nilai_rp,
        nomor_a as nomor_sp2d,
        jendela_hari
    from ganda_pasangan
    union
    select
        kode_pemda,
        tahun,
        kode_penerima,
        nilai_rp,
        nomor_b as nomor_sp2d,
        jendela_hari
    from ganda_pasangan

),

ganda as (

    select
        ganda_anggota.kode_pemda,
        ganda_anggota.tahun,
        'pembayaran_ganda' as kode_aturan,
        min(ganda_anggota.nomor_sp2d) as kunci_kasus,
        min(bayar.kode_skpd) as kode_skpd,
        case
            when count(distinct bayar.kode_sub_kegiatan) = 1 then min(bayar.kode_sub_kegiatan)
        end as kode_sub_kegiatan,
        case when count(distinct bayar.kode_akun) = 1 then min(bayar.kode_akun) end as kode_akun,
        case
            when count(distinct bayar.kode_sumber_dana) = 1 then min(bayar.kode_sumber_dana)
        end as kode_sumber_dana,
        min(bayar.label_penerima) as penerima,
        min(bayar.tanggal_sp2d) as tanggal_awal,
        max(bayar.tanggal_sp2d) as tanggal_akhir,
        count(*) as jumlah_baris,
        sum(bayar.nilai_rp) as nilai_rp,
        min(bayar.nilai_rp) as nilai_pembanding_rp,
        cast(null as double) as rasio,
        cast(null as double) as skor,
        string_agg(ganda_anggota.nomor_sp2d, '; ' order by ganda_anggota.nomor_sp2d) as nomor_sp2d,
        cast(null as varchar) as kunci_rincian,
        'Untuk ditelaah: ' || cast(count(*) as varchar) || ' SP2D ke '
        || min(bayar.label_penerima) || ' dengan nilai sama persis ' || min(bayar.nilai_teks)
        || ' dalam '
        || cast(date_diff('day', min(bayar.tanggal_sp2d), max(bayar.tanggal_sp2d)) as varchar)
        || ' hari (' || strftime(min(bayar.tanggal_sp2d), '%d-%m-%Y') || ' s.d. '
        || strftime(max(bayar.tanggal_sp2d), '%d-%m-%Y')
        || '; aturan: nilai dan penerima sama dalam '
        || cast(min(ganda_anggota.jendela_hari) as varchar)
        || ' hari). Pastikan tagihannya memang dua dan belum pernah dibayar.' as alasan
    from ganda_anggota
    inner join bayar
        on
            ganda_anggota.kode_pemda = bayar.kode_pemda
            and ganda_anggota.tahun = bayar.tahun
            and ganda_anggota.nomor_sp2d = bayar.nomor_sp2d
    group by
        ganda_anggota.kode_pemda,
        ganda_anggota.tahun,
        ganda_anggota.kode_penerima,
        ganda_anggota.nilai_rp

),

-- pemecahan_paket -------------------------------------------------------------------------
ambang_awalan as (

    select
        kode_ambang,
        jenis_pengadaan,
        batas_rp,
        berlaku_mulai,
        berlaku_sampai,
        unnest(string_split(awalan_akun, ';')) as awalan
    from {{ ref('ref_ambang_pengadaan') }}

),

bayar_berambang as (

    select
        bayar_dinilai.*,
        ambang_awalan.kode_ambang,
        ambang_awalan.jenis_pengadaan,
        ambang_awalan.batas_rp,
        row_number() over (
            partition by bayar_dinilai.kode_pemda, bayar_dinilai.tahun, bayar_dinilai.nomor_sp2d
            order by length(ambang_awalan.awalan) desc
        ) as urutan_awalan
    from bayar_dinilai
    inner join ambang_awalan
        on
            starts_with(bayar_dinilai.kode_akun, ambang_awalan.awalan)
            and bayar_dinilai.tahun >= ambang_awalan.berlaku_mulai
            and bayar_dinilai.tahun <= coalesce(ambang_awalan.berlaku_sampai, 9999)
    where bayar_dinilai.kode_aturan = 'pemecahan_paket'

),

-- splitting shows as a recipient paid mostly just under the limit: one whose in-band payments
-- are under porsi_minimal of all its payments of that kind from the OPD that year (a regular
-- supplier or a tendered contract's termins) is not judged
penerima_pita as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_penerima,
        kode_ambang,
        avg(
            case when nilai_rp < batas_rp and nilai_rp >= rasio_minimal * batas_rp then 1 else 0 end
        ) as porsi_pita,
        any_value(porsi_minimal) as porsi_minimal
    from bayar_berambang
    where urutan_awalan = 1
    group by kode_pemda, tahun, kode_skpd, kode_penerima, kode_ambang

),

dalam_pita as (

    select bayar_berambang.*
    from bayar_berambang
    inner join penerima_pita
        on
            bayar_berambang.kode_pemda = penerima_pita.kode_pemda
            and bayar_berambang.tahun = penerima_pita.tahun
            and bayar_berambang.kode_skpd = penerima_pita.kode_skpd
            and bayar_berambang.kode_penerima = penerima_pita.kode_penerima
            and bayar_berambang.kode_ambang = penerima_pita.kode_ambang
    where
        bayar_berambang.urutan_awalan = 1
        and penerima_pita.porsi_pita >= penerima_pita.porsi_minimal
        and bayar_berambang.nilai_rp < bayar_berambang.batas_rp
        and bayar_berambang.nilai_rp >= bayar_berambang.rasio_minimal * bayar_berambang.batas_rp

),

jendela as (

    select
        jangkar.kode_pemda,
        jangkar.tahun,
        jangkar.kode_skpd,
        jangkar.kode_penerima,
        jangkar.kode_ambang,
        jangkar.nomor_sp2d as nomor_jangkar,
        jangkar.batas_rp,
        jangkar.jumlah_minimal,
        anggota.nomor_sp2d,
        anggota.nilai_rp
    from dalam_pita as jangkar
    inner join dalam_pita as anggota
        on
            jangkar.kode_pemda = anggota.kode_pemda
            and jangkar.tahun = anggota.tahun
            and jangkar.kode_skpd = anggota.kode_skpd
            and jangkar.kode_penerima = anggota.kode_penerima
            and jangkar.kode_ambang = anggota.kode_ambang
            and jangkar.tanggal_sp2d <= anggota.tanggal_sp2d
            and anggota.tanggal_sp2d <= jangkar.tanggal_sp2d + to_days(jangkar.jendela_hari)

),

jendela_lolos as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_penerima,
        kode_ambang,
        nomor_jangkar
    from jendela
    group by
        kode_pemda,
        tahun,
        kode_skpd,
        kode_penerima,
        kode_ambang,
        nomor_jangkar,
        batas_rp,
        jumlah_minimal
    having count(*) >= jumlah_minimal and sum(nilai_rp) > batas_rp

),

pecah_anggota as (

    select distinct
        jendela.kode_pemda,
        jendela.tahun,
        jendela.kode_skpd,
        jendela.kode_penerima,
        jendela.kode_ambang,
        jendela.nomor_sp2d
    from jendela
    inner join jendela_lolos
        on
            jendela.kode_pemda = jendela_lolos.kode_pemda
            and jendela.tahun = jendela_lolos.tahun
            and jendela.kode_skpd = jendela_lolos.kode_skpd
            and jendela.kode_penerima = jendela_lolos.kode_penerima
            and jendela.kode_ambang = jendela_lolos.kode_ambang
            and jendela.nomor_jangkar = jendela_lolos.nomor_jangkar

),

pecah as (

    select
        pecah_anggota.kode_pemda,
        pecah_anggota.tahun,
        'pemecahan_paket' as kode_aturan,
        min(pecah_anggota.nomor_sp2d) as kunci_kasus,
        pecah_anggota.kode_skpd,
        case
            when count(distinct bayar.kode_sub_kegiatan) = 1 then min(bayar.kode_sub_kegiatan)
        end as kode_sub_kegiatan,
        case when count(distinct bayar.kode_akun) = 1 then min(bayar.kode_akun) end as kode_akun,
        case
            when count(distinct bayar.kode_sumber_dana) = 1 then min(bayar.kode_sumber_dana)
        end as kode_sumber_dana,
        min(bayar.label_penerima) as penerima,
        min(bayar.tanggal_sp2d) as tanggal_awal,
        max(bayar.tanggal_sp2d) as tanggal_akhir,
        count(*) as jumlah_baris,
        sum(bayar.nilai_rp) as nilai_rp,
        min(dalam_pita.batas_rp) as nilai_pembanding_rp,
        cast(sum(bayar.nilai_rp) / min(dalam_pita.batas_rp) as double) as rasio,
        cast(null as double) as skor,
        string_agg(pecah_anggota.nomor_sp2d, '; ' order by pecah_anggota.nomor_sp2d) as nomor_sp2d,
        cast(null as varchar) as kunci_rincian,
        'Untuk ditelaah: ' || cast(count(*) as varchar) || ' SP2D ke '
        || min(bayar.label_penerima) || ' antara ' || strftime(min(bayar.tanggal_sp2d), '%d-%m-%Y')
        || ' dan ' || strftime(max(bayar.tanggal_sp2d), '%d-%m-%Y') || ', masing-masing '
        || {{ rupiah_teks('min(bayar.nilai_rp)') }}
        || '–'
        || {{ rupiah_teks('max(bayar.nilai_rp)') }}
        || ', tepat di bawah batas ' || lower(min(dalam_pita.jenis_pengadaan)) || ' '
        || {{ rupiah_teks('min(dalam_pita.batas_rp)') }} || ', berjumlah '
        || {{ rupiah_teks('sum(bayar.nilai_rp)') }}
        || '. Telaah apakah kebutuhannya satu paket yang seharusnya ditender.' as alasan
    from pecah_anggota
    inner join bayar
        on
            pecah_anggota.kode_pemda = bayar.kode_pemda
            and pecah_anggota.tahun = bayar.tahun
            and pecah_anggota.nomor_sp2d = bayar.nomor_sp2d
    inner join dalam_pita
        on
            pecah_anggota.kode_pemda = dalam_pita.kode_pemda
            and pecah_anggota.tahun = dalam_pita.tahun
            and pecah_anggota.nomor_sp2d = dalam_pita.nomor_sp2d
    group by
        pecah_anggota.kode_pemda,
        pecah_anggota.tahun,
        pecah_anggota.kode_skpd,
        pecah_anggota.kode_penerima,
        pecah_anggota.kode_ambang

),

-- sesudah_batas_tahun ---------------------------------------------------------------------
batas_tahun as (

    select
        *,
        make_date(
            tahun,
            cast(split_part(batas_bulan_hari, '-', 1) as integer),
            cast(split_part(batas_bulan_hari, '-', 2) as integer)
        ) as tanggal_batas
    from bayar_dinilai
    where kode_aturan = 'sesudah_batas_tahun'

),

terlambat as (

    select
        kode_pemda,
        tahun,
        'sesudah_batas_tahun' as kode_aturan,
        nomor_sp2d as kunci_kasus,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        label_penerima as penerima,
        tanggal_sp2d as tanggal_awal,
        tanggal_sp2d as tanggal_akhir,
        1 as jumlah_baris,
        nilai_rp,
        cast(null as decimal(18, 2)) as nilai_pembanding_rp,
        cast(null as double) as rasio,
        cast(null as double) as skor,
        nomor_sp2d,
        cast(null as varchar) as kunci_rincian,
        'Untuk ditelaah: SP2D ' || jenis_sp2d || ' ' || nilai_teks || ' ke ' || label_penerima
        || ' bertanggal ' || strftime(tanggal_sp2d, '%d-%m-%Y') || ', sesudah batas akhir '
        || 'penerbitan SP2D tahun anggaran ' || cast(tahun as varchar) || ' ('
        || strftime(tanggal_batas, '%d-%m-%Y')
        || '). Periksa dasar penerbitannya sesudah batas.' as alasan
    from batas_tahun
    where tanggal_sp2d > tanggal_batas

),

-- melebihi_pagu (the flag of mart_anggaran_realisasi) --------------------------------------
baris_akun as (

    select
        *,
        sum(pagu_akhir_rp) over akun as pagu_akun_rp,
        sum(realisasi_rp) over akun as realisasi_akun_rp
    from {{ ref('int_anggaran_realisasi_joined') }}
    window akun as (partition by kode_pemda, tahun, kode_skpd, kode_sub_kegiatan, kode_akun)

),

-- a flagged line whose account, over all its funding sources, is over its pagu too: money paid
-- beyond the DPA; a line over only because it was charged to another funding source of the
-- same account stays in the flag of mart_anggaran_realisasi, not on this list
baris_lebih as (

    select
        kode_pemda,
        tahun,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        pagu_akhir_rp,
        realisasi_rp,
        pagu_akun_rp,
        realisasi_akun_rp
    from baris_akun
    where melebihi_pagu and realisasi_akun_rp > pagu_akun_rp

),

bayar_baris_lebih as (

    select
        belanja.kode_pemda,
        belanja.tahun,
        belanja.kode_skpd,
        belanja.kode_sub_kegiatan,
        belanja.kode_akun,
        belanja.kode_sumber_dana,
        belanja.nomor_sp2d,
        belanja.nilai_rp,
        baris_lebih.pagu_akhir_rp,
        sum(belanja.nilai_rp) over (
            partition by
                belanja.kode_pemda,
                belanja.tahun,
                belanja.kode_skpd,
                belanja.kode_sub_kegiatan,
                belanja.kode_akun,
                belanja.kode_sumber_dana
            order by belanja.tanggal_sp2d, belanja.nomor_sp2d
            rows between unbounded preceding and current row
        ) as kumulatif_rp
    from {{ ref('int_sp2d_paid_to_penerima') }} as belanja
    inner join baris_lebih
        on
            belanja.kode_pemda = baris_lebih.kode_pemda
            and belanja.tahun = baris_lebih.tahun
            and belanja.kode_skpd = baris_lebih.kode_skpd
            and belanja.kode_sub_kegiatan = baris_lebih.kode_sub_kegiatan
            and belanja.kode_akun = baris_lebih.kode_akun
            and belanja.kode_sumber_dana = baris_lebih.kode_sumber_dana

),

lebih as (

    select
        baris_lebih.kode_pemda,
        baris_lebih.tahun,
        'melebihi_pagu' as kode_aturan,
        baris_lebih.kode_skpd || '|' || baris_lebih.kode_sub_kegiatan || '|'
        || baris_lebih.kode_akun || '|' || baris_lebih.kode_sumber_dana as kunci_kasus,
        baris_lebih.kode_skpd,
        baris_lebih.kode_sub_kegiatan,
        baris_lebih.kode_akun,
        baris_lebih.kode_sumber_dana,
        cast(null as varchar) as penerima,
        cast(null as date) as tanggal_awal,
        cast(null as date) as tanggal_akhir,
        cast(count(bayar_baris_lebih.nomor_sp2d) as bigint) as jumlah_baris,
        baris_lebih.realisasi_rp - baris_lebih.pagu_akhir_rp as nilai_rp,
        baris_lebih.pagu_akhir_rp as nilai_pembanding_rp,
        cast(baris_lebih.realisasi_rp / nullif(baris_lebih.pagu_akhir_rp, 0) as double) as rasio,
        cast(null as double) as skor,
        string_agg(bayar_baris_lebih.nomor_sp2d, '; ' order by bayar_baris_lebih.nomor_sp2d)
            as nomor_sp2d,
        cast(null as varchar) as kunci_rincian,
        'Untuk ditelaah: realisasi baris DPA akun ' || baris_lebih.kode_akun || ' sub kegiatan '
        || baris_lebih.kode_sub_kegiatan || ' ' || {{ rupiah_teks('baris_lebih.realisasi_rp') }}
        || ' melebihi pagu akhirnya '
        || {{ rupiah_teks('baris_lebih.pagu_akhir_rp') }}
        || ' sebesar '
        || {{ rupiah_teks('baris_lebih.realisasi_rp - baris_lebih.pagu_akhir_rp') }}
        || ' (tanda melebihi_pagu). Periksa SP2D sejak pagu terlampaui dan kemungkinan salah '
        || 'bebankan akun atau sumber dana.' as alasan
    from baris_lebih
    left join bayar_baris_lebih
        on
            baris_lebih.kode_pemda = bayar_baris_lebih.kode_pemda
            and baris_lebih.tahun = bayar_baris_lebih.tahun
            and baris_lebih.kode_skpd = bayar_baris_lebih.kode_skpd
            and baris_lebih.kode_sub_kegiatan = bayar_baris_lebih.kode_sub_kegiatan
            and baris_lebih.kode_akun = bayar_baris_lebih.kode_akun
            and baris_lebih.kode_sumber_dana = bayar_baris_lebih.kode_sumber_dana
            and bayar_baris_lebih.kumulatif_rp > bayar_baris_lebih.pagu_akhir_rp
            and bayar_baris_lebih.nilai_rp > 0
    group by
        baris_lebih.kode_pemda,
        baris_lebih.tahun,
        baris_lebih.kode_skpd,
        baris_lebih.kode_sub_kegiatan,
        baris_lebih.kode_akun,
        baris_lebih.kode_sumber_dana,
        baris_lebih.pagu_akhir_rp,
        baris_lebih.realisasi_rp

),

-- budget lines: harga_satuan_tinggi and lompatan_tahap ------------------------------------
rincian as (

    select
        kode_pemda,
        tahun,
        tahap,
        urutan_tahap,
        kode_skpd,
        kode_sub_kegiatan,
        no_rincian,
        kode_akun,
        kode_sumber_dana,
        uraian_komponen,
        satuan,
        volume,
        harga_satuan_rp,
        total_rp,
        lower(trim(uraian_komponen)) as komponen,
        lower(trim(satuan)) as satuan_kunci,
        {{ is_tahap_akhir('urutan_tahap') }} as is_tahap_akhir,
        dense_rank()
            over (partition by kode_pemda, tahun, kode_skpd order by urutan_tahap)
            as urutan_ke
    from {{ ref('stg_sipd__dpa_rincian') }}
    where harga_satuan_rp > 0

),

aturan_harga as (

    select * from aturan
    where kode_aturan = 'harga_satuan_tinggi'

),

rincian_akhir as (

    select rincian.*
    from rincian
    cross join aturan_harga
    where
        rincian.is_tahap_akhir
        and not list_contains(
            string_split(lower(aturan_harga.satuan_dikecualikan), ';'), rincian.satuan_kunci
        )

),

median_komponen as (

    select
        kode_pemda,
        tahun,
        komponen,
        satuan_kunci,
        count(*) as jumlah_baris,
        count(distinct kode_skpd) as jumlah_opd,
        median(harga_satuan_rp) as median_rp
    from rincian_akhir
    group by kode_pemda, tahun, komponen, satuan_kunci

),

mad_komponen as (

    select
        rincian_akhir.kode_pemda,
        rincian_akhir.tahun,
        rincian_akhir.komponen,
        rincian_akhir.satuan_kunci,
        median(abs(rincian_akhir.harga_satuan_rp - median_komponen.median_rp)) as mad_rp
    from rincian_akhir
    inner join median_komponen
        on
            rincian_akhir.kode_pemda = median_komponen.kode_pemda
            and rincian_akhir.tahun = median_komponen.tahun
            and rincian_akhir.komponen = median_komponen.komponen
            and rincian_akhir.satuan_kunci = median_komponen.satuan_kunci
    group by
        rincian_akhir.kode_pemda,
        rincian_akhir.tahun,
        rincian_akhir.komponen,
        rincian_akhir.satuan_kunci

),

harga_dinilai as (

    select
        rincian_akhir.*,
        median_komponen.jumlah_baris as jumlah_pembanding,
        median_komponen.jumlah_opd,
        median_komponen.median_rp,
        mad_komponen.mad_rp,
        cast(rincian_akhir.harga_satuan_rp / median_komponen.median_rp as double) as rasio,
        case
            when mad_komponen.mad_rp > 0
                then cast(
                        0.6745 * (rincian_akhir.harga_satuan_rp - median_komponen.median_rp)
                        / mad_komponen.mad_rp as double
                    )
        end as skor,
        aturan_harga.jumlah_minimal,
        aturan_harga.rasio_minimal,
        aturan_harga.skor_minimal
    from rincian_akhir
    inner join median_komponen
        on
            rincian_akhir.kode_pemda = median_komponen.kode_pemda
            and rincian_akhir.tahun = median_komponen.tahun
            and rincian_akhir.komponen = median_komponen.komponen
            and rincian_akhir.satuan_kunci = median_komponen.satuan_kunci
    inner join mad_komponen
        on
            rincian_akhir.kode_pemda = mad_komponen.kode_pemda
            and rincian_akhir.tahun = mad_komponen.tahun
            and rincian_akhir.komponen = mad_komponen.komponen
            and rincian_akhir.satuan_kunci = mad_komponen.satuan_kunci
    cross join aturan_harga
    where median_komponen.median_rp > 0

),

harga_tinggi as (

    select
        kode_pemda,
        tahun,
        'harga_satuan_tinggi' as kode_aturan,
        tahap || '|' || kode_skpd || '|' || kode_sub_kegiatan || '|' || cast(no_rincian as varchar)
            as kunci_kasus,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        cast(null as varchar) as penerima,
        cast(null as date) as tanggal_awal,
        cast(null as date) as tanggal_akhir,
        1 as jumlah_baris,
        total_rp as nilai_rp,
        cast(median_rp as decimal(18, 2)) as nilai_pembanding_rp,
        rasio,
        skor,
        cast(null as varchar) as nomor_sp2d,
        tahap || '|' || kode_sub_kegiatan || '|' || cast(no_rincian as varchar) as kunci_rincian,
        'Untuk ditelaah: harga satuan '
        || uraian_komponen
        || ' '
        || {{ rupiah_teks('harga_satuan_rp') }}
        || ' per ' || satuan || ', ' || {{ angka_id('rasio', 1) }} || ' kali median '
        || {{ jenis_pemda('kode_pemda') }} || ' '
        || {{ rupiah_teks('median_rp') }} || ' untuk komponen dan satuan yang sama ('
        || cast(jumlah_pembanding as varchar) || ' baris dari ' || cast(jumlah_opd as varchar)
        || ' OPD' || coalesce('; skor robust ' || {{ angka_id('skor', 1) }}, '; MAD 0')
        || '). Bandingkan spesifikasinya dengan standar harga satuan.' as alasan
    from harga_dinilai
    where
        jumlah_pembanding >= jumlah_minimal
        and jumlah_opd >= 2
        and rasio >= rasio_minimal
        and (skor is null or skor >= skor_minimal)

),

lompatan_pasangan as (

    select
        sesudah.kode_pemda,
        sesudah.tahun,
        sesudah.kode_skpd,
        sesudah.kode_sub_kegiatan,
        sesudah.no_rincian,
        sesudah.kode_akun,
        sesudah.kode_sumber_dana,
        sesudah.uraian_komponen,
        sesudah.satuan,
        sebelum.tahap as tahap_sebelum,
        sesudah.tahap as tahap_sesudah,
        sebelum.harga_satuan_rp as harga_sebelum_rp,
        sesudah.harga_satuan_rp as harga_sesudah_rp,
        sesudah.total_rp,
        cast(sesudah.harga_satuan_rp / sebelum.harga_satuan_rp as double) as rasio,
        aturan.rasio_minimal
    from rincian as sesudah
    inner join rincian as sebelum
        on
            sesudah.kode_pemda = sebelum.kode_pemda
            and sesudah.tahun = sebelum.tahun
            and sesudah.kode_skpd = sebelum.kode_skpd
            and sesudah.urutan_ke = sebelum.urutan_ke + 1
            and sesudah.kode_sub_kegiatan = sebelum.kode_sub_kegiatan
            and sesudah.no_rincian = sebelum.no_rincian
            and sesudah.komponen = sebelum.komponen
            and sesudah.satuan_kunci = sebelum.satuan_kunci
    inner join aturan
        on aturan.kode_aturan = 'lompatan_tahap'

),

lompatan as (

    select
        kode_pemda,
        tahun,
        'lompatan_tahap' as kode_aturan,
        tahap_sesudah || '|' || kode_skpd || '|' || kode_sub_kegiatan || '|'
        || cast(no_rincian as varchar) as kunci_kasus,
        kode_skpd,
        kode_sub_kegiatan,
        kode_akun,
        kode_sumber_dana,
        cast(null as varchar) as penerima,
        cast(null as date) as tanggal_awal,
        cast(null as date) as tanggal_akhir,
        2 as jumlah_baris,
        total_rp as nilai_rp,
        harga_sebelum_rp as nilai_pembanding_rp,
        rasio,
        cast(null as double) as skor,
        cast(null as varchar) as nomor_sp2d,
        tahap_sebelum || '|' || kode_sub_kegiatan || '|' || cast(no_rincian as varchar) || '; '
        || tahap_sesudah || '|' || kode_sub_kegiatan || '|' || cast(no_rincian as varchar)
            as kunci_rincian,
        'Untuk ditelaah: harga satuan ' || uraian_komponen || ' naik dari '
        || {{ rupiah_teks('harga_sebelum_rp') }} || ' (' || tahap_sebelum || ') menjadi '
        || {{ rupiah_teks('harga_sesudah_rp') }} || ' (' || tahap_sesudah || ') per ' || satuan
        || ', ' || {{ angka_id('rasio', 1) }} || ' kali. Minta alasan perubahan harganya.' as alasan
    from lompatan_pasangan
    where rasio >= rasio_minimal

),

semua as (

    select * from ganda
    union all by name
    select * from pecah
    union all by name
    select * from terlambat
    union all by name
    select * from lebih
    union all by name
    select * from harga_tinggi
    union all by name
    select * from lompatan

),

final as (

    select
        cast(semua.kode_pemda as varchar) as kode_pemda,
        cast(semua.tahun as integer) as tahun,
        cast(semua.kode_aturan as varchar) as kode_aturan,
        cast(aturan.nama_aturan as varchar) as nama_aturan,
        cast(semua.kunci_kasus as varchar) as kunci_kasus,
        cast(semua.kode_skpd as varchar) as kode_skpd,
        cast(opd.nama_skpd as varchar) as nama_skpd,
        cast(semua.kode_sub_kegiatan as varchar) as kode_sub_kegiatan,
        cast(semua.kode_akun as varchar) as kode_akun,
        cast(semua.kode_sumber_dana as varchar) as kode_sumber_dana,
        cast(semua.penerima as varchar) as penerima,
        cast(semua.tanggal_awal as date) as tanggal_awal,
        cast(semua.tanggal_akhir as date) as tanggal_akhir,
        cast(semua.jumlah_baris as integer) as jumlah_baris,
        cast(semua.nilai_rp as decimal(18, 2)) as nilai_rp,
        cast(semua.nilai_pembanding_rp as decimal(18, 2)) as nilai_pembanding_rp,
        cast(round(semua.rasio, 4) as decimal(18, 4)) as rasio,
        cast(round(semua.skor, 4) as decimal(18, 4)) as skor,
        cast(semua.nomor_sp2d as varchar) as nomor_sp2d,
        cast(semua.kunci_rincian as varchar) as kunci_rincian,
        cast(semua.alasan as varchar) as alasan,
        cast(aturan.dasar as varchar) as dasar
    from semua
    inner join aturan
        on semua.kode_aturan = aturan.kode_aturan
    left join {{ ref('int_opd_resolved') }} as opd
        on
            semua.kode_pemda = opd.kode_pemda
            and semua.kode_skpd = opd.kode_skpd
            and {{ berlaku_pada('semua.tahun', 'opd') }}

)

select * from final
